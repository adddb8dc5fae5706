"""Originals: bytes in, bytes out. No pyvips, no aiohttp.web."""
