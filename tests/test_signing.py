"""Signatures: the official SDK is the oracle (hypothesis over random parameter sets)."""

from __future__ import annotations

import base64

import cloudinary.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import InvalidCredentials
from edge.signing import (
    Keyring,
    basic_credentials,
    check_timestamp,
    new_key_pair,
    notification_signature,
    parse_cloudinary_url,
    verify_api_signature,
    verify_url_signature,
)

SECRET = "abcd1234-SECRET"
names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda n: n not in ("file", "cloud_name", "resource_type", "api_key", "signature")
)
values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.lists(st.text("abcxyz,&= ", min_size=1, max_size=5), max_size=3),
)


def wire(params: dict) -> dict:
    """What reaches the server: strings, lists of strings (the SDK's k[] fields)."""
    return {k: v for k, v in params.items()}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(names, values, max_size=8), st.sampled_from(["sha1", "sha256"]), st.sampled_from([1, 2]))
def test_sdk_signatures_verify_and_one_changed_byte_fails(params, algorithm, version):
    signature = cloudinary.utils.api_sign_request(params, SECRET, algorithm, version)
    assert verify_api_signature(wire(params), signature, SECRET)
    assert not verify_api_signature(wire(params), signature, SECRET + "x")
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not verify_api_signature(wire(params), flipped, SECRET)
    signed = {k: v for k, v in params.items() if v}
    if signed:
        key = sorted(signed)[0]
        value = signed[key]
        changed = dict(params)
        changed[key] = (value[:-1] + chr(ord(value[-1]) ^ 1)) if isinstance(value, str) else [*value[:-1], value[-1] + "!"]
        assert not verify_api_signature(wire(changed), signature, SECRET)


def test_excluded_parameters_and_smuggling():
    params = {"timestamp": "1700000000", "public_id": "a&b=c", "file": "x", "api_key": "k", "resource_type": "image"}
    signature = cloudinary.utils.api_sign_request({"timestamp": "1700000000", "public_id": "a&b=c"}, SECRET)
    assert verify_api_signature(params, signature, SECRET)
    # v2 encodes & inside values: a smuggled pair does not verify as the split one
    smuggled = {"timestamp": "1700000000", "public_id": "a", "b": "c"}
    assert not verify_api_signature(smuggled, signature, SECRET)
    tags = cloudinary.utils.api_sign_request({"timestamp": "1", "public_ids": ["a", "b"], "notification_url": "http://x"}, SECRET)
    assert not verify_api_signature({"timestamp": "1", "public_ids": ["a", "b"]}, tags, SECRET)
    tags = cloudinary.utils.api_sign_request({"timestamp": "1", "public_ids": ["a", "b"]}, SECRET)
    assert verify_api_signature({"timestamp": "1", "public_ids": ["a", "b"], "notification_url": "http://x"}, tags, SECRET,
                                exclude=("notification_url",))


@settings(max_examples=100, deadline=None)
@given(
    st.text("abcdefghij/_-", min_size=1, max_size=20).filter(lambda s: not s.startswith("/") and "//" not in s and not s.endswith("/")),
    st.integers(1, 500),
    st.booleans(),
)
def test_sdk_url_signatures_verify(public_id, width, long):
    url = cloudinary.utils.cloudinary_url(
        public_id, cloud_name="demo", api_secret=SECRET, sign_url=True, width=width, crop="scale", format="png",
        long_url_signature=long,
    )[0]
    signature = url.split("/s--")[1].split("--/")[0]
    signed_part = f"c_scale,w_{width}/{cloudinary.utils.smart_escape(public_id)}.png"
    assert verify_url_signature(signature, signed_part, SECRET)
    assert not verify_url_signature(signature, signed_part.replace("w_", "h_"), SECRET)
    assert not verify_url_signature(signature, signed_part, SECRET + "x")


def test_sha256_short_url_signature():
    url = cloudinary.utils.cloudinary_url("x", cloud_name="demo", api_secret=SECRET, sign_url=True, format="jpg",
                                          signature_algorithm="sha256")[0]
    assert verify_url_signature(url.split("/s--")[1][:8], "x.jpg", SECRET)


def test_timestamps_keys_and_basic_auth():
    check_timestamp("1000", now=1000 + 3599)
    with pytest.raises(InvalidCredentials, match="Stale request"):
        check_timestamp("1000", now=1000 + 3601)
    with pytest.raises(InvalidCredentials):
        check_timestamp("soon", now=0)
    keyring = Keyring.from_urls(["cloudinary://k1:s1@a", "cloudinary://k2:s2@a", "cloudinary://k3:s3@b"])
    assert keyring.clouds == {"a", "b"} and keyring.find("a", "k2").secret == "s2" and keyring.find("b", "k1") is None
    assert "s1" not in repr(keyring.primary("a"))
    with pytest.raises(ValueError):
        parse_cloudinary_url("cloudinary://onlykey@c")
    assert isinstance(Keyring([]).keys("none"), list)
    header = "Basic " + base64.b64encode(b"key:se:cret").decode()
    assert basic_credentials(header) == ("key", "se:cret") and basic_credentials("Bearer x") is None
    key, secret = new_key_pair()
    assert key.isdigit() and len(key) == 15 and len(secret) == 27


def test_notification_signature_matches_the_sdk():
    cloudinary.config(api_secret=SECRET)
    try:
        body, ts = '{"a": 1}', 1_900_000_000
        assert cloudinary.utils.verify_notification_signature(body, ts, notification_signature(body, ts, SECRET), valid_for=10**10)
    finally:
        cloudinary.reset_config()


# -- token authentication, against the SDK's own tokens --------------------------------------

import time as _time  # noqa: E402

import cloudinary.auth_token  # noqa: E402
import pytest as _pytest  # noqa: E402

from edge.signing import escape_token_url, verify_auth_token  # noqa: E402

_KEY = "2b7e151628aed2a6abf7158809cf4f3c"


def _token(**options) -> str:
    return cloudinary.auth_token.generate(key=_KEY, **options).partition("=")[2]


@_pytest.mark.parametrize("path", ["/demo/image/authenticated/v1/a.jpg", "/demo/image/authenticated/w_10,c_scale/caf%C3%A9%20x.jpg",
                                   "/demo/image/authenticated/l_text:Arial_12:a%2Cb/x.png"])
def test_url_tokens_from_the_sdk_verify_for_their_path_only(path):
    now = _time.time()
    token = _token(url=path, duration=60)
    assert verify_auth_token(token, path, _KEY, now)
    assert not verify_auth_token(token, path + "x", _KEY, now)
    assert not verify_auth_token(token, path, _KEY, now + 61)
    assert not verify_auth_token(token, path, "00" * 16, now)


def test_acl_lists_start_times_and_ips():
    now = _time.time()
    token = _token(acl=["/image/authenticated/a/*", "/image/authenticated/b/*"], start_time=int(now) - 5, duration=60, ip="10.1.2.3")
    assert verify_auth_token(token, "/demo/image/authenticated/b/x.jpg", _KEY, now, "10.1.2.3", ("/image/authenticated/b/x.jpg",))
    assert not verify_auth_token(token, "/demo/image/authenticated/b/x.jpg", _KEY, now, "10.1.2.4", ("/image/authenticated/b/x.jpg",))
    assert not verify_auth_token(token, "/demo/image/authenticated/c/x.jpg", _KEY, now, "10.1.2.3", ("/image/authenticated/c/x.jpg",))
    later = _token(acl="/*", start_time=int(now) + 100, duration=60)
    assert not verify_auth_token(later, "/demo/x", _KEY, now)


@_pytest.mark.parametrize("token", ["", "exp=1", "exp=abc~acl=/*~hmac=00", "exp=1~exp=2~hmac=00", "foo=1~hmac=00"])
def test_malformed_tokens_are_refused(token):
    assert not verify_auth_token(token, "/demo/x", _KEY, 0)


def test_a_key_that_is_not_hex_never_grants():
    assert not verify_auth_token(_token(acl="/*", duration=60), "/demo/x", "not-hex", _time.time())


def test_token_escaping_matches_the_sdk():
    for text in ("/a b/c:d;e@f", "/x/%20/~y", "/é/ü"):
        assert escape_token_url(text) == cloudinary.auth_token._escape_to_lower(text)
