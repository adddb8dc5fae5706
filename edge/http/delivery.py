"""GET|HEAD /<cloud>/image/upload/...: request -> plain values -> Delivery.get -> response."""

from __future__ import annotations

import time

from aiohttp import web

from edge.grammar.delivery_path import parse_delivery_path
from edge.http.conditional import cache_control, respond
from edge.http.keys import CREDENTIALS, DELIVERY, METRICS, SETTINGS


async def deliver(request: web.Request) -> web.Response:
    started = time.perf_counter()
    path = parse_delivery_path(request.raw_path.partition("?")[0])
    metrics = request.app[METRICS]
    metrics.observe_stage("parse", time.perf_counter() - started)
    await request.app[CREDENTIALS].check_delivery(path)
    derivative = await request.app[DELIVERY].get(path, request.headers.get("Accept", ""))
    settings = request.app[SETTINGS].delivery
    response = respond(
        request,
        derivative,
        cache_control(path.version is not None, settings.max_age_seconds, settings.versioned_max_age_seconds),
    )
    if request.method != "HEAD" and response.status == 200:
        metrics.response_bytes.inc(derivative.entry.size)
    return response
