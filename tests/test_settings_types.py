"""The list and map settings: parsed once when settings load (environment text or TOML arrays and
tables give the same typed value), every problem reported together, secrets never echoed."""

from pathlib import Path

import pytest

from edge.errors import SettingsError
from edge.settings import FrozenMap, Secret, Settings, address_ports, cloud_urls

# env name -> (good text, the typed value it gives)
GOOD = {
    "EDGE_API_KEYS": ("cloudinary://k1:s1@a, cloudinary://k2:s2@b cloudinary://k3:s3@a",
                      (Secret("cloudinary://k1:s1@a"), Secret("cloudinary://k2:s2@b"), Secret("cloudinary://k3:s3@a"))),
    "EDGE_API_BACKUP_CLOUDS": ("shop, demo,", frozenset({"shop", "demo"})),
    "EDGE_API_NOTIFICATION_URL": ("https://all.test/hook?a=b, shop=http://127.0.0.1:9/s",
                                  {"*": "https://all.test/hook?a=b", "shop": "http://127.0.0.1:9/s"}),
    "EDGE_API_STRICT_CLOUDS": ("*", frozenset({"*"})),
    "EDGE_FETCH_ALLOWED_DOMAINS": ("demo=Images.example.com|*.cdn.example.org, shop=img.shop.test,demo=more.test",
                                   {"demo": ("images.example.com", "*.cdn.example.org", "more.test"), "shop": ("img.shop.test",)}),
    "EDGE_FETCH_LIFT_GUARD": ("127.0.0.1:8081, [::1]:9000 10.0.0.1:1", frozenset({("127.0.0.1", 8081), ("::1", 9000), ("10.0.0.1", 1)})),
    "EDGE_AUTH_TOKEN_KEYS": ("00ff, shop=abcdef", {"*": Secret("00ff"), "shop": Secret("abcdef")}),
    "EDGE_CDN_SURROGATE_KEY_HEADERS": ("Edge-Tag, Cache-Tag,Edge-Tag", ("Edge-Tag", "Cache-Tag")),
    "EDGE_LIST_CLOUDS": ("demo,shop", frozenset({"demo", "shop"})),
    "EDGE_TRANSFORMATIONS_NAMED": ("thumb=c_fill,w_150,h_150; avatar=t_thumb/r_max",
                                   {"thumb": "c_fill,w_150,h_150", "avatar": "t_thumb/r_max"}),
}

# env name -> (bad text, a fragment of the message, a secret the message must not echo or None)
BAD = {
    "EDGE_API_KEYS": ("cloudinary://k:s@a, cloudinary://onlykey@b", "cloudinary://API_KEY:API_SECRET@CLOUD_NAME", "onlykey"),
    "EDGE_API_BACKUP_CLOUDS": ("shop, bad/cloud", "'bad/cloud'", None),
    "EDGE_API_NOTIFICATION_URL": ("shop=ftp://x", "'ftp://x'", None),
    "EDGE_API_STRICT_CLOUDS": ("a b", "'a b'", None),
    "EDGE_FETCH_ALLOWED_DOMAINS": ("example.com", "cloud=domain|domain", None),
    "EDGE_FETCH_LIFT_GUARD": ("localhost:80", "'localhost:80'", None),
    "EDGE_AUTH_TOKEN_KEYS": ("demo=not-hex", "hexadecimal", "not-hex"),
    "EDGE_CDN_SURROGATE_KEY_HEADERS": ("Bad Header", "'Bad Header'", None),
    "EDGE_LIST_CLOUDS": ("demo,sh;op", "'sh;op'", None),
    "EDGE_TRANSFORMATIONS_NAMED": ("thumb=c_fill;broken", "name=transformation", None),
}


def _area_value(settings: Settings, env: str):
    for area in ("api", "fetch", "auth", "cdn", "lists", "transformations"):
        section = getattr(settings, area)
        for name in section.__dataclass_fields__:
            if section.__dataclass_fields__[name].metadata["env"] == env:
                return getattr(section, name)
    raise AssertionError(env)


@pytest.mark.parametrize("env", sorted(GOOD))
def test_a_good_value_is_typed_once_at_load(env):
    text, expected = GOOD[env]
    value = _area_value(Settings.load({env: text}), env)
    assert value == expected
    assert type(value) in (tuple, frozenset, FrozenMap)
    hash(value)  # frozen all the way down: the settings dataclasses stay hashable


@pytest.mark.parametrize("env", sorted(BAD))
def test_a_bad_value_names_its_variable(env):
    text, fragment, secret = BAD[env]
    with pytest.raises(SettingsError) as info:
        Settings.load({env: text})
    message = str(info.value)
    assert env in message and fragment in message
    if secret:
        assert secret not in message


def test_every_bad_list_and_map_is_reported_together():
    with pytest.raises(SettingsError) as info:
        Settings.load({env: bad for env, (bad, _, _) in BAD.items()} | {"EDGE_RENDER_QUEUE": "-1"})
    assert len(info.value.problems) == len(BAD) + 1
    message = str(info.value)
    for env in (*BAD, "EDGE_RENDER_QUEUE"):
        assert env in message


def test_empty_values_are_empty_collections():
    s = Settings.load({env: " , " if env != "EDGE_TRANSFORMATIONS_NAMED" else " ; " for env in GOOD})
    for env in GOOD:
        assert len(_area_value(s, env)) == 0


def test_defaults_are_typed():
    s = Settings.load({})
    assert s.cdn.surrogate_key_headers == ("Surrogate-Key", "Cache-Tag")
    assert s.api.keys == () and s.api.strict_clouds == frozenset() and s.fetch.allowed_domains == {}


def test_toml_arrays_and_tables_give_the_same_values_as_the_environment(tmp_path: Path):
    config = tmp_path / "edge.toml"
    config.write_text(
        '[api]\nbackup_clouds = ["shop", "demo"]\nnotification_url = { "*" = "https://all.test/hook?a=b", shop = "http://127.0.0.1:9/s" }\n'
        '[fetch]\nallowed_domains = { demo = ["Images.example.com", "*.cdn.example.org", "more.test"], shop = "img.shop.test" }\n'
        'lift_guard = ["127.0.0.1:8081", "[::1]:9000", "10.0.0.1:1"]\n'
        '[cdn]\nsurrogate_key_headers = ["Edge-Tag", "Cache-Tag"]\n'
        '[transformations]\nnamed = { thumb = "c_fill,w_150,h_150", avatar = "t_thumb/r_max" }\n'
    )
    from_file = Settings.load({}, config)
    for env in ("EDGE_API_BACKUP_CLOUDS", "EDGE_API_NOTIFICATION_URL", "EDGE_FETCH_ALLOWED_DOMAINS",
                "EDGE_FETCH_LIFT_GUARD", "EDGE_CDN_SURROGATE_KEY_HEADERS", "EDGE_TRANSFORMATIONS_NAMED"):
        assert _area_value(from_file, env) == GOOD[env][1], env
    # the environment still wins, and is parsed the same way
    assert Settings.load({"EDGE_API_BACKUP_CLOUDS": "x"}, config).api.backup_clouds == {"x"}


def test_bad_toml_shapes_are_reported_with_the_others(tmp_path: Path):
    config = tmp_path / "edge.toml"
    config.write_text('[api]\nstrict_clouds = 3\n[fetch]\nlift_guard = ["nowhere"]\n')
    with pytest.raises(SettingsError) as info:
        Settings.load({"EDGE_LIST_CLOUDS": "a/b"}, config)
    message = str(info.value)
    assert "[api] strict_clouds" in message and "[fetch] lift_guard" in message and "EDGE_LIST_CLOUDS" in message


def test_secrets_inside_lists_and_maps_never_print():
    s = Settings.load({"EDGE_API_KEYS": "cloudinary://k:topsecret@a", "EDGE_AUTH_TOKEN_KEYS": "shop=deadbeef"})
    assert "topsecret" not in repr(s) and "deadbeef" not in repr(s)
    assert s.api.keys[0].reveal() == "cloudinary://k:topsecret@a" and s.auth.token_keys["shop"].reveal() == "deadbeef"


def test_a_bad_named_transformation_is_reported_at_start_up_with_every_other():
    from edge.grammar.named import parse_named_settings

    named = Settings.load({"EDGE_TRANSFORMATIONS_NAMED": "a=w_zz;b=c_fill,w_10;c=h_qq"}).transformations.named
    with pytest.raises(SettingsError) as info:
        parse_named_settings(named)
    assert info.value.problems == ["EDGE_TRANSFORMATIONS_NAMED: a: Invalid width - zz",
                                   "EDGE_TRANSFORMATIONS_NAMED: c: Invalid height - qq"]


def test_the_cloud_url_map_keeps_a_bare_url_for_every_cloud():
    assert cloud_urls("https://all, shop=https://s") == {"*": "https://all", "shop": "https://s"}
    assert cloud_urls(["https://x/?q=a=b"]) == {"*": "https://x/?q=a=b"}


def test_lifted_pairs_are_exact_addresses_and_ports():
    assert address_ports("127.0.0.1:8081, [::1]:9000") == {("127.0.0.1", 8081), ("::1", 9000)}
    for bad in ("127.0.0.1", "localhost:80", "127.0.0.1:x", "127.0.0.1:0", "127.0.0.1:65536"):
        with pytest.raises(ValueError):
            address_ports(bad)


def test_edge_exits_2_naming_every_bad_list_at_once(monkeypatch, tmp_path, capsys):
    from edge.__main__ import main

    monkeypatch.chdir(tmp_path)  # no config/edge.toml here
    monkeypatch.setenv("EDGE_API_STRICT_CLOUDS", "a b")
    monkeypatch.setenv("EDGE_FETCH_LIFT_GUARD", "example.com:80")
    monkeypatch.setenv("EDGE_AUTH_TOKEN_KEYS", "zz")
    assert main(["doctor"]) == 2
    err = capsys.readouterr().err
    assert all(env in err for env in ("EDGE_API_STRICT_CLOUDS", "EDGE_FETCH_LIFT_GUARD", "EDGE_AUTH_TOKEN_KEYS"))
