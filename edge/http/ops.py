"""/healthz (alive), /readyz (this process can serve), /metrics (Prometheus text).

Readiness answers one question: should the load balancer send *this* pod traffic? A
dependency every pod shares (S3, PostgreSQL, Redis) going down is not this pod's fault and
taking it out of the Service helps nobody: every pod fails the same check, the Service is
left with no endpoints, and warm derivatives, stale-if-error and the clear 502/503 answers
all stop with it. So shared dependencies are checked and *reported* (body lines and
`edge_dependency_up`) but never fail readiness. 503 means this process itself cannot serve:
it is draining, every render thread is stuck past its deadline, or something only this pod
owns is broken (a local storage folder, a SQLite catalog file): another pod can do better.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from edge.errors import EdgeError
from edge.http.keys import DELIVERY, DRAINING, METRICS, POOL, SETTINGS, UPLOADS

# Below the probe's own timeout (k8s/deployment.yaml: 2 s): a hung S3 must not make the probe
# itself time out, which the kubelet would count as not ready.
CHECK_SECONDS = 1.0
_RETRY = {"Retry-After": "1"}


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def readyz(request: web.Request) -> web.Response:
    app = request.app
    if app[DRAINING]:
        return web.Response(status=503, text="draining\n", headers=_RETRY)
    settings = app[SETTINGS]
    delivery = app[DELIVERY]
    checks: dict[str, tuple[Callable[[], Awaitable[None]], bool]] = {
        # name: (check, shared by every pod)
        "storage": (delivery.ready, settings.storage.scheme == "s3"),
        "catalog": (app[UPLOADS].store.catalog.check, not settings.database.url.reveal().startswith("sqlite")),
    }
    results = await asyncio.gather(*(_probe(check) for check, _ in checks.values()))
    metrics = app[METRICS]
    failed: list[str] = []
    lines: list[str] = []
    for (name, (_, shared)), problem in zip(checks.items(), results):
        metrics.dependency_up.labels(name).set(0 if problem else 1)
        lines.append(f"{name}: {'ok' if problem is None else f'unhealthy ({problem})'}\n")
        if problem is not None and not shared:
            failed.append(name)
    pool = app[POOL]
    lines.append(f"render: {'wedged (every render thread is stuck past its deadline)' if pool.wedged else 'ok'}\n")
    if pool.wedged:
        failed.append("render")
    lines.extend(f"{name}: {state}\n" for name, state in delivery.detail().items())
    if failed:
        return web.Response(status=503, text=f"not ready: {', '.join(failed)}\n" + "".join(lines), headers=_RETRY)
    return web.Response(text="ready\n" + "".join(lines))


async def _probe(check: Callable[[], Awaitable[None]]) -> str | None:
    """None when the check passed within CHECK_SECONDS, else the public reason."""
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await check()
    except EdgeError as exc:
        return exc.public_message
    except TimeoutError:
        return "no answer within 1 s"
    return None


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    return web.Response(body=registry.exposition(), headers={"Content-Type": registry.content_type})
