"""The usage meter on a real catalog: counts stay in memory until a flush adds them (per cloud
and day), a failed flush keeps them, two meters (two processes) add up, reports read both."""

from __future__ import annotations

import pytest

from edge.catalog.store import open_catalog
from edge.errors import InvalidParameter
from edge.services.usage import UsageMeter, parse_usage_date

DAY = 1_764_547_200.0  # 2025-12-01T00:00:00Z


async def test_meters_flush_per_day_and_add_up(tmp_path):
    catalog = await open_catalog(f"sqlite:///{tmp_path}/edge.db")
    try:
        now = [DAY + 3600]
        first, second = (UsageMeter(catalog.db, clock=lambda: now[0]) for _ in range(2))
        first.delivered("demo", 1000)
        first.rendered("demo")
        second.delivered("demo", 500)
        second.delivered("other", 7)
        assert (await first.report("demo", "2025-12-01"))["requests"] == 1  # its own unflushed counts only
        await first.flush()
        await second.flush()
        report = await first.report("demo", "01-12-2025")
        assert (report["requests"], report["bandwidth"]["usage"], report["transformations"]["usage"]) == (2, 1500, 1)
        now[0] += 86_400  # the next day
        first.delivered("demo", 10)
        await first.flush()
        assert (await first.report("demo"))["requests"] == 3  # the last 30 days
        assert (await first.report("demo", "2025-12-02"))["requests"] == 1
        assert (await first.report("demo", "2025-11-30"))["requests"] == 0

        second.delivered("demo", 5)
        await catalog.db.execute("ALTER TABLE usage_days RENAME TO usage_gone")
        with pytest.raises(Exception):
            await second.flush()
        await catalog.db.execute("ALTER TABLE usage_gone RENAME TO usage_days")
        await second.flush()  # what the failed flush held is added now
        assert (await first.report("demo", "2025-12-02"))["requests"] == 2
    finally:
        await catalog.close()


@pytest.mark.parametrize("text", ["31-02-2024", "2024/01/01", "yesterday", "1-1-2024"])
def test_bad_dates_are_refused(text):
    with pytest.raises(InvalidParameter, match="Invalid date"):
        parse_usage_date(text)
