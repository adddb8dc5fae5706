import tomllib
from pathlib import Path

import pytest

from edge.errors import SettingsError
from edge.settings import Secret, Settings, describe

REPO = Path(__file__).resolve().parents[1]


def test_defaults_are_the_embedded_default():
    s = Settings.load({})
    assert s.cloud.name == "demo"
    assert s.storage.url.startswith("file://")
    assert s.limits.max_source_pixels == 50_000_000 and s.limits.max_output_dimension == 8192


def test_environment_overrides_the_file(tmp_path: Path):
    config = tmp_path / "edge.toml"
    config.write_text("[limits]\nmax_output_dimension = 4000\n[render]\nqueue = 5\n")
    s = Settings.load({"EDGE_RENDER_QUEUE": "7", "CLOUDINARY_URL": "cloudinary://k:s@shop"}, config)
    assert s.limits.max_output_dimension == 4000 and s.render.queue == 7 and s.cloud.name == "shop"


def test_every_problem_is_reported_at_once(tmp_path: Path):
    config = tmp_path / "edge.toml"
    config.write_text("[limits]\nmax_pixels = 1\n")
    with pytest.raises(SettingsError) as info:
        Settings.load({"EDGE_RENDER_WORKERS": "many", "EDGE_CACHE_MEMORY_BYTES": "-1", "EDGE_SERVER_ACCESS_LOG": "perhaps"}, config)
    text = str(info.value)
    for fragment in ("EDGE_RENDER_WORKERS", "EDGE_SERVER_ACCESS_LOG", "max_pixels"):
        assert fragment in text
    with pytest.raises(SettingsError, match="EDGE_CACHE_MEMORY_BYTES must not be negative"):
        Settings.load({"EDGE_CACHE_MEMORY_BYTES": "-1"})


def test_secrets_never_print():
    s = Settings.load({"CLOUDINARY_URL": "cloudinary://key:topsecret@demo"})
    assert "topsecret" not in repr(s) and "topsecret" not in f"{s.cloud.url}" and "topsecret" not in str(s)
    assert s.cloud.url.reveal().endswith("@demo") and repr(Secret("x")) == "Secret('**********')"


def test_every_setting_is_documented_and_in_the_config_file():
    rows = describe()
    assert all(env.startswith(("EDGE_", "CLOUDINARY_URL", "CLOUDINARY_ACCOUNT_URL")) and doc for _, env, _, doc in rows)
    documented = (REPO / "config" / "edge.toml").read_text()
    for _, env, _, _ in rows:
        assert env in documented, f"{env} is missing from config/edge.toml"
    assert Settings.load({}, REPO / "config" / "edge.toml") is not None
    tomllib.loads(documented)


def test_api_credentials_and_database_are_checked():
    with pytest.raises(SettingsError) as info:
        Settings.load({"CLOUDINARY_URL": "cloudinary://onlykey@shop", "EDGE_API_KEYS": "cloudinary://k:s@a, http://x",
                       "EDGE_DATABASE_URL": "mysql://x"})
    text = str(info.value)
    assert "CLOUDINARY_URL" in text and "EDGE_API_KEYS" in text and "EDGE_DATABASE_URL" in text
    assert "onlykey" not in text  # names the variable, never echoes credentials
    s = Settings.load({"EDGE_API_KEYS": "cloudinary://k:s@a,cloudinary://k2:s2@b"})
    assert "s2" not in repr(s)


def test_delivery_type_settings_are_checked():
    with pytest.raises(SettingsError) as caught:
        Settings.load({"EDGE_FETCH_ALLOWED_DOMAINS": "example.com", "EDGE_FETCH_LIFT_GUARD": "localhost:80",
                       "EDGE_AUTH_TOKEN_KEYS": "demo=not-hex"})
    text = str(caught.value)
    for env in ("EDGE_FETCH_ALLOWED_DOMAINS", "EDGE_FETCH_LIFT_GUARD", "EDGE_AUTH_TOKEN_KEYS"):
        assert env in text
    assert "not-hex" not in text  # a secret never prints, even a bad one
