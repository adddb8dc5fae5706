"""Request ids in every log line (and the X-Request-Id header), and the JSON log format.

The id is the client's `X-Request-Id` when it sends a sane one (a load balancer or CDN
usually does), else a new one. It lives in a context variable, so every log line written
while the request is handled, in any layer, carries it.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import re
import secrets
import time

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


_PROCESS = secrets.token_hex(4)  # unique enough across nodes and restarts
_counter = itertools.count(1)


def request_id_for(incoming: str) -> str:
    """The client's X-Request-Id when it is sane, else a new one (a counter: no syscall per request)."""
    if incoming and _SANE.match(incoming):
        return incoming
    return f"{_PROCESS}{next(_counter):08x}"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str) -> None:
    """The process's logging: text (human) or json (one object per line); both carry the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s]: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips' chatter is INFO-level noise
    logging.getLogger("aiobotocore").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
