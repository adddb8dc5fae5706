"""The scale-out settings: S3 storage URLs, Redis, logs and draining."""

import pytest

from edge.errors import SettingsError
from edge.settings import Settings


def test_s3_storage_url_names_bucket_and_prefix():
    s = Settings.load({"EDGE_STORAGE_URL": "s3://media-originals/edge/prod/", "EDGE_S3_ADDRESSING_STYLE": "path"})
    assert (s.storage.scheme, s.storage.bucket, s.storage.prefix) == ("s3", "media-originals", "edge/prod")
    assert Settings.load({"EDGE_STORAGE_URL": "s3://bucket"}).storage.prefix == ""


def test_scale_out_problems_are_reported_together():
    with pytest.raises(SettingsError) as info:
        Settings.load({
            "EDGE_STORAGE_URL": "gs://bucket/x", "EDGE_S3_ADDRESSING_STYLE": "sideways", "EDGE_S3_MAX_ATTEMPTS": "0",
            "EDGE_REDIS_URL": "http://redis", "EDGE_SERVER_LOG_FORMAT": "xml", "EDGE_REDIS_TTL_SECONDS": "-5",
        })
    text = str(info.value)
    for name in ("EDGE_STORAGE_URL", "EDGE_S3_ADDRESSING_STYLE", "EDGE_S3_MAX_ATTEMPTS", "EDGE_REDIS_URL",
                 "EDGE_SERVER_LOG_FORMAT", "EDGE_REDIS_TTL_SECONDS"):
        assert name in text
    with pytest.raises(SettingsError, match="needs a bucket"):
        Settings.load({"EDGE_STORAGE_URL": "s3:///prefix"})


def test_redis_is_optional_and_off_by_default():
    s = Settings.load({})
    assert s.redis.url.reveal() == "" and s.server.drain_seconds == 5.0 and s.server.log_format == "text"


def test_the_redis_password_never_prints():
    s = Settings.load({"EDGE_REDIS_URL": "redis://:hunter2@redis:6379/0"})
    assert "hunter2" not in repr(s) and s.redis.url.reveal().endswith("@redis:6379/0")
