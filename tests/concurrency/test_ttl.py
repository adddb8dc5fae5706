from edge.concurrency.ttl import TTLMap


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_each_after_its_own_lifetime():
    clock = Clock()
    held: TTLMap[str | None] = TTLMap(10, ttl=5, timer=clock)
    held.put("found", "v1")
    held.put("missing", None, ttl=1)  # a negative answer kept for less time
    assert "missing" in held and held.get("missing") is None and held.get("found") == "v1"
    clock.now = 2
    assert "missing" not in held and held.get("found") == "v1"
    clock.now = 6
    assert "found" not in held and len(held) == 0


def test_a_full_map_evicts_one_entry_not_all():
    """The old maps were cleared wholesale at their limit: every lookup missed at once."""
    clock = Clock()
    held: TTLMap[int] = TTLMap(100, ttl=60, timer=clock)
    for i in range(100):
        clock.now = i / 1000
        held.put(i, i)
    held.put("new", -1)
    assert len(held) == 100 and held.get("new") == -1
    assert sum(held.get(i) is not None for i in range(100)) == 99


def test_zero_lifetime_keeps_nothing():
    held: TTLMap[int] = TTLMap(10, ttl=0)
    held.put("k", 1)
    assert held.get("k") is None and len(held) == 0
