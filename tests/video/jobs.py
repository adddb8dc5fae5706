"""Module-level jobs for the transcode pool tests (a forkserver child imports them by name)."""

from __future__ import annotations

import time

from edge.errors import InvalidVideo


def add(a: int, b: int) -> int:
    return a + b


def spin(seconds: float) -> int:
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        count += 1
    return count


def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"


def refuse() -> None:
    raise InvalidVideo("Unreadable video - test", detail="the test said so")


def write(path: str, size: int) -> int:
    with open(path, "wb") as f:
        f.write(b"\0" * size)
    return size


def crash() -> None:
    raise RuntimeError("boom")
