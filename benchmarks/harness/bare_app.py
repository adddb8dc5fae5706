#!/usr/bin/env python3
"""The HTTP floor: a tiny aiohttp app (uvloop when installed) whose one handler answers fixed
bytes, in N processes sharing the port (SO_REUSEPORT).

    python benchmarks/harness/bare_app.py --body FILE --port P [--headers JSON] [--processes N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal

from aiohttp import web


def serve(body: bytes, port: int, headers: dict) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers=headers)

    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, reuse_port=True, access_log=None, print=None, loop=loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--body", required=True, help="file whose bytes every answer carries")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--headers", default="{}", help="JSON object of response headers")
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    with open(args.body, "rb") as f:
        body = f.read()
    headers = json.loads(args.headers)
    children = []
    for _ in range(max(1, args.processes) - 1):
        pid = os.fork()
        if pid == 0:
            serve(body, args.port, headers)
            os._exit(0)
        children.append(pid)
    try:
        serve(body, args.port, headers)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    main()
