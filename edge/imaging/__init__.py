"""Synchronous pyvips code: no asyncio, no storage, no HTTP. Run only through the render pool."""
