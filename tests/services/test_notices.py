"""Notices: invalidation and notifications in one place."""

from __future__ import annotations

from edge.services.notices import Notices
from edge.services.purge import PurgeHook
from edge.signing import ApiKey


class Sent:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def send(self, url: str, payload: dict, secret: str) -> None:
        self.calls.append((url, payload))


def test_invalidate_only_when_asked_and_notify_each_url_once():
    forgotten, sent = [], Sent()
    notices = Notices(lambda: forgotten.append(1), PurgeHook("http://cdn/purge", sent), sent,  # type: ignore[arg-type]
                      {"demo": "http://hook/a", "*": "http://hook/all"})
    notices.invalidate({}, "demo", [("image", "upload", "x")], "overwrite", "s")
    assert forgotten == [] and sent.calls == []
    notices.invalidate({"invalidate": "true"}, "demo", [("image", "upload", "x")], "overwrite", "s")
    assert forgotten == [1] and sent.calls[0][0] == "http://cdn/purge"
    sent.calls.clear()
    notices.notify({"notification_url": "http://hook/a"}, {"public_id": "x"}, ApiKey("demo", "k", "s"), "upload")
    assert [url for url, _ in sent.calls] == ["http://hook/a"]
    assert sent.calls[0][1]["notification_type"] == "upload"
    sent.calls.clear()
    notices.notify({}, {}, ApiKey("other", "k", "s"), "delete")
    assert [url for url, _ in sent.calls] == ["http://hook/all"]
