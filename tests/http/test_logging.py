"""Request ids on responses and in log lines; the JSON log format."""

import json
import logging

from edge.http.logging import REQUEST_ID, JsonFormatter, RequestIdFilter


async def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    response = await client.get("/demo/image/upload/w_10/geometry.png")
    assert len(response.headers["X-Request-Id"]) == 16
    response = await client.get("/demo/image/upload/w_10/nothing.png", headers={"X-Request-Id": "lb-abc.123"})
    assert response.status == 404 and response.headers["X-Request-Id"] == "lb-abc.123"
    response = await client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert response.headers["X-Request-Id"] != "bad id with spaces"


async def test_log_lines_written_during_a_request_carry_its_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="edge.http"):
        await client.get("/demo/image/upload/w_10/nothing.png", headers={"X-Request-Id": "req-42"})
    assert any(getattr(r, "request_id", None) == "req-42" and "404" in r.getMessage() for r in caplog.records)


def test_json_lines_parse_and_carry_the_request_id():
    token = REQUEST_ID.set("req-7")
    try:
        record = logging.LogRecord("edge.http", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-7" and line["message"] == "failed x" and line["level"] == "ERROR"
