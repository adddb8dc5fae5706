import asyncio
import logging

from edge.concurrency.tasks import BackgroundTasks


async def test_drain_waits_for_tasks_started_by_running_tasks(caplog):
    tasks = BackgroundTasks("test")
    done = []

    async def child():
        await asyncio.sleep(0.02)
        done.append("child")

    async def parent():
        await asyncio.sleep(0.01)
        tasks.spawn(child())
        done.append("parent")

    async def broken():
        raise ValueError("boom")

    tasks.spawn(parent())
    with caplog.at_level(logging.WARNING):
        tasks.spawn(broken())
        await tasks.drain()
    assert done == ["parent", "child"] and len(tasks) == 0
    assert "boom" in caplog.text


async def test_close_cancels_what_outlives_the_grace():
    tasks = BackgroundTasks("test")
    slow = tasks.spawn(asyncio.sleep(10))
    quick = tasks.spawn(asyncio.sleep(0))
    await tasks.close(grace=0.05)
    assert slow.cancelled() and quick.done() and not quick.cancelled()
