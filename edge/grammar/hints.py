"""Client hints (`dpr_auto`, `w_auto[:<step>[:<fallback>]]`): the request's `Sec-CH-DPR`/`DPR`
and `Sec-CH-Width`/`Width` headers, read into values, and a chain with them written in, so that
the derivative's key (the chain's canonical text) holds the resolved numbers. Pure."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from edge.grammar.chain import Chain, Transformation
from edge.grammar.params import code_for
from edge.grammar.parsers import number
from edge.grammar.values import AutoWidth, Dimension

DPR_HEADERS = ("Sec-CH-DPR", "DPR")
WIDTH_HEADERS = ("Sec-CH-Width", "Width")
MAX_DPR = 8.0
MAX_WIDTH_HINT = 8192


@dataclass(frozen=True, slots=True)
class ClientHints:
    dpr: float | None = None
    width: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> ClientHints:
        """The first well-formed value of each hint; nonsense is ignored, as a missing hint."""
        return cls(_first(headers, DPR_HEADERS, _dpr), _first(headers, WIDTH_HEADERS, _width))


def _first(headers: Mapping[str, str], names: tuple[str, ...], parse) -> object:  # type: ignore[no-untyped-def]
    for name in names:
        raw = headers.get(name)
        if raw is not None and (value := parse(raw.strip())) is not None:
            return value
    return None


def _dpr(raw: str) -> float | None:
    value = number(raw)
    if value is None or value <= 0:
        return None
    return min(round(value, 2), MAX_DPR)


def _width(raw: str) -> int | None:
    value = number(raw)
    if value is None or value < 1:
        return None
    return min(math.ceil(value), MAX_WIDTH_HINT)


def hints_used(chain: Chain) -> tuple[str, ...]:
    """The request headers the chain's answer depends on (for Vary)."""
    used: list[str] = []
    if any(t.dpr == "auto" for t in chain.components):
        used += DPR_HEADERS
    if any(isinstance(t.width, AutoWidth) for t in chain.components):
        used += WIDTH_HEADERS
    return tuple(used)


def apply_hints(chain: Chain, hints: ClientHints) -> Chain:
    """The chain with dpr_auto and w_auto replaced by the numbers they stand for."""
    if not hints_used(chain):
        return chain
    return Chain(tuple(_apply(t, hints) for t in chain.components))


def _apply(t: Transformation, hints: ClientHints) -> Transformation:
    changes: dict[str, object] = {}
    replaced: dict[str, str | None] = {}
    dpr_code, width_code = code_for("dpr"), code_for("width")
    if isinstance(t.width, AutoWidth):
        auto = t.width
        if hints.width is not None:
            width: int | None = math.ceil(hints.width / auto.step) * auto.step
        else:
            width = auto.fallback
        changes["width"] = Dimension(width) if width is not None else None
        replaced[width_code] = f"{width_code}_{width}" if width is not None else None
        if t.dpr == "auto" and hints.width is not None:  # the Width hint is in device pixels already
            changes["dpr"] = 1.0
            replaced[dpr_code] = f"{dpr_code}_1.0"
    if t.dpr == "auto" and "dpr" not in changes:
        dpr = hints.dpr or 1.0
        changes["dpr"] = dpr
        replaced[dpr_code] = f"{dpr_code}_{dpr:.1f}" if dpr.is_integer() else f"{dpr_code}_{dpr:g}"
    tokens = []
    for token in t.canonical.split(","):
        code = token.partition("_")[0]
        if code in replaced:
            if replaced[code] is not None:
                tokens.append(replaced[code])
        else:
            tokens.append(token)
    return dataclasses.replace(t, canonical=",".join(sorted(tokens)), **changes)  # type: ignore[arg-type]
