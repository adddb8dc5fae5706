"""Draining: on shutdown or SIGTERM, /readyz turns 503 before the listener closes."""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

from edge.http.keys import DRAINING, METRICS, SETTINGS


async def mark_draining(app: web.Application) -> None:
    app[DRAINING].append(True)


def drain_on_sigterm(app: web.Application) -> None:
    """For `edge serve`: SIGTERM makes /readyz answer 503 at once, keeps the listener open for
    EDGE_SERVER_DRAIN_SECONDS so load balancers stop sending, then starts aiohttp's graceful
    shutdown (listener closed, in-flight requests finish within the grace period). aiohttp's
    own handler would close the listener first, so a load balancer would never see the 503."""

    async def install(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, _begin_drain, app, loop)

    app.on_startup.append(install)


def _begin_drain(app: web.Application, loop: asyncio.AbstractEventLoop) -> None:
    if app[DRAINING]:
        return
    app[DRAINING].append(True)
    app[METRICS].draining.set(1)
    loop.call_later(app[SETTINGS].server.drain_seconds, _graceful_exit)


def _graceful_exit() -> None:
    raise web.GracefulExit()  # a SystemExit: it leaves the event loop, and run_app shuts down gracefully
