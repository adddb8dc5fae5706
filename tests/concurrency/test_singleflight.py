import asyncio

from edge.concurrency.singleflight import SingleFlight


async def test_a_forgotten_flight_lets_the_next_caller_build_again_and_the_old_one_does_not_unseat_it():
    flights = SingleFlight()
    builds = []

    async def build():
        builds.append(1)
        await asyncio.sleep(0.05)
        return len(builds)

    first = asyncio.create_task(flights.run("k", build))
    await asyncio.sleep(0.01)
    flights.forget("k")
    second = asyncio.create_task(flights.run("k", build))
    await asyncio.sleep(0.01)
    third = asyncio.create_task(flights.run("k", build))  # joins the second build, not the forgotten one
    results = [r[0] for r in await asyncio.gather(first, second, third)]
    assert results[1:] == [2, 2]
    assert len(builds) == 2 and len(flights) == 0
