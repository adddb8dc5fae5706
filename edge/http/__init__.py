"""The only package that imports aiohttp.web."""
