"""GET|HEAD /<cloud>/image/upload/...: request -> plain values -> Delivery.get -> response."""

from __future__ import annotations

import time

from aiohttp import web

from edge.grammar.delivery_path import parse_delivery_path
from edge.http.conditional import respond
from edge.http.keys import CACHE_CONTROL, CREDENTIALS, DELIVERY, METRICS


async def deliver(request: web.Request) -> web.Response:
    delivery = request.app[DELIVERY]
    metrics = request.app[METRICS]
    raw_path = request.raw_path.partition("?")[0]
    accept = request.headers.get("Accept", "")
    memo_key = (raw_path, accept)
    derivative = delivery.recent(memo_key)
    if derivative is None:
        started = time.perf_counter()
        path = parse_delivery_path(raw_path)
        metrics.observe_stage("parse", time.perf_counter() - started)
        # Signatures and strict mode. The memo above only holds paths that passed this check:
        # the signature is part of the path, and it is the memo's key.
        await request.app[CREDENTIALS].check_delivery(path)
        derivative = await delivery.get(path, accept, memo_key)
    response = respond(request, derivative, request.app[CACHE_CONTROL][derivative.versioned or derivative.immutable])
    if derivative.disposition:
        response.headers["Content-Disposition"] = derivative.disposition
    if request.method != "HEAD" and response.status == 200:
        metrics.response_bytes.inc(derivative.entry.size)
    return response
