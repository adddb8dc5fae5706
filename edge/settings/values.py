"""Value types of the settings: `Secret` (never prints), `FrozenMap` (an immutable mapping) and
`setting()`, a dataclass field that carries its env name, doc string and parser."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import field
from typing import Any, TypeVar


class Secret:
    """A value that never prints: no __str__, a masked repr; `.reveal()` at the one line that needs it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


V = TypeVar("V")


class FrozenMap(Mapping[str, V]):
    """An immutable, hashable mapping: the type of the `key=value,...` settings (a frozen
    dataclass field needs a hashable default, and nothing may change a setting once loaded)."""

    __slots__ = ("_data",)

    def __init__(self, items: Iterable[tuple[str, V]] | Mapping[str, V] = ()) -> None:
        self._data: dict[str, V] = dict(items)

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def setting(default: Any, env: str, doc: str, parse: Callable[[Any], Any] | None = None) -> Any:
    """A field with its env name and doc; `parse` turns the raw text (or TOML value) into the
    field's type and raises ValueError naming what it expected (never echoing a secret)."""
    metadata: dict[str, Any] = {"env": env, "doc": doc}
    if parse is not None:
        metadata["parse"] = parse
    return field(default=default, metadata=metadata)
