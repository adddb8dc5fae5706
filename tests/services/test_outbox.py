"""The outbox on both catalogs: leases keep two claimants apart, failures back off and end as
`failed`, held rows wait for their writer (or its lease), and rows roll back with their transaction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from edge.catalog import outbox as rows
from edge.catalog.store import Catalog, open_catalog
from edge.services.outbox import DeliveryFailed, Outbox
from edge.signing import Keyring
from tests.helpers.pg import postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
async def catalog(request, tmp_path) -> AsyncIterator[Catalog]:
    if request.param == "postgresql":
        with postgres_schema() as url:
            opened = await open_catalog(url)
            yield opened
            await opened.close()
    else:
        opened = await open_catalog(f"sqlite:///{tmp_path}/edge.db")
        yield opened
        await opened.close()


def _outbox(catalog: Catalog, **kwargs) -> Outbox:
    return Outbox(catalog.db, Keyring.from_urls(["cloudinary://k:s@demo"]), attempts=kwargs.pop("attempts", 3),
                  timeout=1.0, backoff=kwargs.pop("backoff", 0.05), **kwargs)


async def test_two_claimants_never_take_the_same_row(catalog):
    writer = _outbox(catalog)
    for i in range(20):
        await writer.add(catalog.db, "demo", "k", "job", "", {"n": i})
    first, second = _outbox(catalog), _outbox(catalog)
    now = int(time.time() * 1000)
    a, b = await asyncio.gather(rows.claim(catalog.db, first.owner, now, 10_000, 50),
                                rows.claim(catalog.db, second.owner, now, 10_000, 50))
    taken = [r.id for r in a] + [r.id for r in b]
    assert len(taken) == 20 and len(set(taken)) == 20
    assert await rows.claim(catalog.db, "third", now + 5_000, 10_000, 50) == []  # leased
    assert len(await rows.claim(catalog.db, "third", now + 10_001, 10_000, 50)) == 20  # leases expired


async def test_failures_back_off_then_stay_failed(catalog):
    outbox = _outbox(catalog, attempts=3, backoff=0.2)
    seen: list[float] = []

    async def flaky(row) -> None:
        seen.append(time.monotonic())
        raise DeliveryFailed("down")

    outbox.handlers["job"] = flaky
    await outbox.add(catalog.db, "demo", "k", "job", "", {})
    await outbox.drain(timeout=5)
    while len(seen) < 3:
        await asyncio.sleep(0.02)
        await outbox.drain(timeout=5)
    assert seen[1] - seen[0] >= 0.2 and seen[2] - seen[1] >= 0.4  # 0.2 s, then 0.4 s: exponential
    assert await rows.counts(catalog.db) == {"failed": 1}


async def test_held_rows_wait_for_their_writer_and_roll_back_with_the_change(catalog):
    outbox = _outbox(catalog)
    done: list[dict] = []

    async def job(row) -> None:
        done.append(row.payload)

    outbox.handlers["job"] = job
    held = await outbox.add(catalog.db, "demo", "k", "job", "", {"v": 1}, hold_seconds=60)
    await outbox.drain(timeout=1)
    assert done == []
    await outbox.release([held], {"v": 2})
    await outbox.drain(timeout=5)
    assert done == [{"v": 2}]
    with pytest.raises(RuntimeError):
        async with catalog.db.transaction() as tx:
            await outbox.add(tx, "demo", "k", "job", "", {"v": 3})
            raise RuntimeError("the change failed")
    await outbox.drain(timeout=1)
    assert done == [{"v": 2}] and await rows.counts(catalog.db) == {}
