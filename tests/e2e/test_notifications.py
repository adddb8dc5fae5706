"""Durable notifications and triggers through the official SDK against live `edge serve` nodes,
on SQLite and PostgreSQL: triggers fire per event type, the environment's URL keeps working,
and a notification survives a `kill -9` of the node between the change and its delivery."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pytest

from tests.helpers.images import RED, solid_png
from tests.helpers.pg import postgres_schema
from tests.helpers.servers import EdgeNode

CLOUD, KEY, SECRET = "hooks", "555566667777888", "hooks-secret"


class Receiver:
    """A webhook receiver on a free port: records every POST; answers 500 while `failing`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], str, int]] = []  # (path, headers, body, status answered)
        self.failing = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                status = 500 if receiver.failing else 200
                receiver.calls.append((self.path, dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self, path: str) -> list[dict]:
        return [json.loads(body) for p, _, body, status in self.calls if p == path and status == 200]

    def wait(self, predicate, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; received {[(p, s) for p, _, _, s in self.calls]}"
            time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "postgresql":
        with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('hooks-db')}/edge.db"


@contextmanager
def node(root, database: str, **environ: str) -> Iterator[EdgeNode]:
    started = EdgeNode(root, {
        "EDGE_STORAGE_URL": f"file://{root.parent}/storage", "EDGE_DATABASE_URL": database,
        "CLOUDINARY_URL": f"cloudinary://{KEY}:{SECRET}@{CLOUD}", "EDGE_API_WEBHOOK_ATTEMPTS": "20",
        "EDGE_API_OUTBOX_LEASE_SECONDS": "2", "EDGE_API_OUTBOX_POLL_SECONDS": "0.2",
        "EDGE_FETCH_LIFT_GUARD": "", **environ,
    }, workers=1)
    try:
        started.wait_ready()
        cloudinary.reset_config()
        cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
                          cname=f"127.0.0.1:{started.port}", upload_prefix=started.base)
        yield started
    finally:
        started.stop(timeout=15)
        cloudinary.reset_config()


def _signed(receiver: Receiver, path: str) -> list[dict]:
    found = []
    for p, headers, body, status in receiver.calls:
        if p == path and status == 200:
            assert cloudinary.utils.verify_notification_signature(
                body, headers["X-Cld-Timestamp"], headers["X-Cld-Signature"], valid_for=600)
            found.append(json.loads(body))
    return found


def test_triggers_fire_per_event_type_beside_the_environment_url(tmp_path, database, receiver):
    with node(tmp_path / "a", database, EDGE_API_NOTIFICATION_URL=f"{receiver.url}/env"):
        api = cloudinary.api
        uploads = api.create_trigger(f"{receiver.url}/uploads", "upload")
        assert uploads["event_type"] == "upload" and uploads["uri_type"] == "webhook" and uploads["id"]
        tags = api.create_trigger(f"{receiver.url}/tags", "resource_tags_changed")
        with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid event_type"):
            api.create_trigger(f"{receiver.url}/x", "no_such_event")
        with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid uri"):
            api.create_trigger("ftp://example.com/x", "upload")
        assert {t["id"] for t in api.triggers()["triggers"]} == {uploads["id"], tags["id"]}
        assert [t["id"] for t in api.triggers(event_type="upload")["triggers"]] == [uploads["id"]]

        cloudinary.uploader.upload(solid_png(RED, 8, 8), public_id="hooked/one")
        cloudinary.uploader.add_tag("sale", ["hooked/one"])
        receiver.wait(lambda: _signed(receiver, "/uploads") and _signed(receiver, "/tags") and len(_signed(receiver, "/env")) >= 2)
        assert _signed(receiver, "/uploads")[0]["public_id"] == "hooked/one"
        assert _signed(receiver, "/tags")[0]["notification_type"] == "resource_tags_changed"
        assert _signed(receiver, "/tags")[0]["public_ids"] == ["hooked/one"]
        assert {n["notification_type"] for n in _signed(receiver, "/env")} == {"upload", "resource_tags_changed"}

        moved = api.update_trigger(uploads["id"], f"{receiver.url}/moved")
        assert moved["uri"] == f"{receiver.url}/moved"
        assert api.delete_trigger(tags["id"]) == {"message": "ok"}
        with pytest.raises(cloudinary.exceptions.NotFound):
            api.delete_trigger(tags["id"])
        cloudinary.uploader.upload(solid_png(RED, 8, 8), public_id="hooked/two")
        cloudinary.uploader.add_tag("more", ["hooked/two"])
        receiver.wait(lambda: _signed(receiver, "/moved"))
        time.sleep(0.5)
        assert len(_signed(receiver, "/tags")) == 1 and len(_signed(receiver, "/uploads")) == 1


def test_a_notification_survives_kill_9_between_the_change_and_its_delivery(tmp_path, database, receiver):
    receiver.failing = True
    with node(tmp_path / "a", database) as first:
        result = cloudinary.uploader.upload(solid_png(RED, 8, 8), public_id="durable",
                                            notification_url=f"{receiver.url}/hook")
        receiver.wait(lambda: any(p == "/hook" for p, *_ in receiver.calls))  # tried once, refused
        first.process.kill()  # SIGKILL: no shutdown, no drain
        first.process.wait()
    receiver.failing = False
    time.sleep(1.0)
    assert not _signed(receiver, "/hook")  # nobody is up to deliver it
    with node(tmp_path / "b", database):
        receiver.wait(lambda: _signed(receiver, "/hook"), timeout=20)
        time.sleep(1.0)
        delivered = _signed(receiver, "/hook")
        assert len(delivered) == 1  # once, by the second node
        assert delivered[0]["notification_type"] == "upload" and delivered[0]["public_id"] == "durable"
        assert delivered[0]["version"] == result["version"]
