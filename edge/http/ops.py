"""/healthz (alive), /readyz (storage reachable, not draining), /metrics (Prometheus text)."""

from __future__ import annotations

from aiohttp import web

from edge.errors import EdgeError
from edge.http.keys import DELIVERY, DRAINING, METRICS, UPLOADS


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def readyz(request: web.Request) -> web.Response:
    if request.app[DRAINING]:
        return web.Response(status=503, text="draining\n", headers={"Retry-After": "1"})
    delivery = request.app[DELIVERY]
    try:
        await delivery.ready()
    except EdgeError as exc:
        return web.Response(status=503, text=f"storage: {exc.public_message}\n", headers={"Retry-After": "1"})
    uploads = request.app.get(UPLOADS)
    if uploads is not None:
        try:
            await uploads.store.catalog.check()
        except EdgeError as exc:
            return web.Response(status=503, text=f"catalog: {exc.public_message}\n", headers={"Retry-After": "1"})
    detail = "".join(f"{name}: {state}\n" for name, state in delivery.detail().items())
    return web.Response(text="ready\n" + detail)


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    return web.Response(body=registry.exposition(), headers={"Content-Type": registry.content_type})
