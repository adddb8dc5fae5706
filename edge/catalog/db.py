"""The Database role: the few calls the catalog needs, with `$1` placeholders on both engines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Row = Mapping[str, Any]


class Database(Protocol):
    dialect: str

    async def execute(self, sql: str, *args: Any) -> int:
        """Rows affected."""

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        """A Database whose calls run in one transaction; committed on exit, rolled back on error."""

    async def close(self) -> None: ...
