"""Signatures, exactly as the official SDKs make them. PURE: no I/O, no framework.

* API requests (Upload API): drop empty values, lists joined by `,`, `k=v` pairs sorted and
  joined by `&` (version 2 also encodes `&` inside a pair as `%26`, against parameter
  smuggling), the secret appended, hex SHA-1 or SHA-256.
* Delivery URLs: `s--XXXXXXXX--` is the first 8 characters of the urlsafe base64 of
  SHA-1 (or SHA-256) of `<transformations>/<public_id>.<ext>` + secret; 32 characters
  with SHA-256 for `long_url_signature`.
* Notifications: hex SHA of `<body><timestamp><secret>`.

Every comparison is constant-time; a cloud may carry several keys (rotation), each tried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from edge.errors import InvalidCredentials

ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
# The SDK never signs these: the file travels beside the signature, the rest name the endpoint.
UNSIGNED_PARAMS = frozenset({"file", "cloud_name", "resource_type", "api_key", "signature"})
STALE_AFTER_SECONDS = 3600
SHORT_URL_SIGNATURE = 8
LONG_URL_SIGNATURE = 32

ParamValue = str | Sequence[str]


@dataclass(frozen=True, slots=True)
class ApiKey:
    cloud: str
    key: str
    secret: str

    def __repr__(self) -> str:  # the secret never prints
        return f"ApiKey(cloud={self.cloud!r}, key={self.key!r})"


class Keyring:
    """Product environments: each cloud has one or more (key, secret) pairs, all valid."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._by_cloud: dict[str, list[ApiKey]] = {}
        for api_key in keys:
            self._by_cloud.setdefault(api_key.cloud, []).append(api_key)

    @property
    def clouds(self) -> frozenset[str]:
        return frozenset(self._by_cloud)

    def keys(self, cloud: str) -> list[ApiKey]:
        return list(self._by_cloud.get(cloud, ()))

    def find(self, cloud: str, key: str) -> ApiKey | None:
        for api_key in self._by_cloud.get(cloud, ()):
            if hmac.compare_digest(api_key.key.encode(), key.encode()):
                return api_key
        return None

    def primary(self, cloud: str) -> ApiKey:
        return self._by_cloud[cloud][0]

    @classmethod
    def from_urls(cls, urls: Iterable[str]) -> Keyring:
        """cloudinary://KEY:SECRET@CLOUD URLs (CLOUDINARY_URL first, then EDGE_API_KEYS, already split by the settings)."""
        return cls(parse_cloudinary_url(url) for url in urls)


def parse_cloudinary_url(url: str) -> ApiKey:
    """`cloudinary://KEY:SECRET@CLOUD` -> ApiKey; raises ValueError naming the problem (never the secret)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme != "cloudinary" or not parts.hostname:
        raise ValueError("expected cloudinary://API_KEY:API_SECRET@CLOUD_NAME")
    key = urllib.parse.unquote(parts.username or "")
    secret = urllib.parse.unquote(parts.password or "")
    if not key or not secret:
        raise ValueError(f"cloudinary URL for cloud {parts.hostname!r} lacks an API key or secret")
    return ApiKey(parts.hostname, key, secret)


def new_key_pair() -> tuple[str, str]:
    """A fresh (api_key, api_secret): numeric key like Cloudinary's, 27 urlsafe characters of secret."""
    return str(secrets.randbelow(9 * 10**14) + 10**14), secrets.token_urlsafe(20)[:27]


def string_to_sign(params: Mapping[str, ParamValue], version: int = 2, exclude: Iterable[str] = ()) -> str:
    skip = UNSIGNED_PARAMS.union(exclude)
    pairs = []
    for key, value in params.items():
        if key in skip or not value:
            continue
        text = value if isinstance(value, str) else ",".join(value)
        pair = f"{key}={text}"
        if version >= 2:
            pair = pair.replace("&", "%26")
        pairs.append(pair)
    return "&".join(sorted(pairs))


def api_signature(params: Mapping[str, ParamValue], secret: str, algorithm: str = "sha1", version: int = 2) -> str:
    return ALGORITHMS[algorithm]((string_to_sign(params, version) + secret).encode()).hexdigest()


def verify_api_signature(
    params: Mapping[str, ParamValue], signature: str, secret: str, exclude: Iterable[str] = ()
) -> bool:
    """Either algorithm (told apart by length), signature version 2 or 1."""
    algorithm = {40: "sha1", 64: "sha256"}.get(len(signature))
    if algorithm is None:
        return False
    exclude = tuple(exclude)
    candidates = {string_to_sign(params, 2, exclude), string_to_sign(params, 1, exclude)}
    ok = False
    for text in candidates:
        expected = ALGORITHMS[algorithm]((text + secret).encode()).hexdigest()
        ok |= hmac.compare_digest(expected.encode(), signature.lower().encode())
    return ok


def check_timestamp(timestamp: str | None, now: float, max_age: float = STALE_AFTER_SECONDS) -> None:
    if not timestamp:
        raise InvalidCredentials("Missing required parameter - timestamp")
    try:
        value = int(timestamp)
    except ValueError:
        raise InvalidCredentials("Invalid timestamp") from None
    if now - value > max_age:
        raise InvalidCredentials(f"Stale request - reported time is {value} which is more than 1 hour ago")


def url_signature(to_sign: str, secret: str, algorithm: str = "sha1", length: int = SHORT_URL_SIGNATURE) -> str:
    digest = ALGORITHMS[algorithm]((to_sign + secret).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:length]


def verify_url_signature(signature: str, to_sign: str, secret: str) -> bool:
    """8 characters: SHA-1 or SHA-256 (the cloud's choice); 32: SHA-256 (long_url_signature)."""
    if len(signature) == LONG_URL_SIGNATURE:
        algorithms = ("sha256",)
    elif len(signature) == SHORT_URL_SIGNATURE:
        algorithms = ("sha1", "sha256")
    else:
        return False
    ok = False
    for algorithm in algorithms:
        expected = url_signature(to_sign, secret, algorithm, len(signature))
        ok |= hmac.compare_digest(expected.encode(), signature.encode())
    return ok


def notification_signature(body: str, timestamp: int, secret: str, algorithm: str = "sha1") -> str:
    return ALGORITHMS[algorithm](f"{body}{timestamp}{secret}".encode()).hexdigest()


def notification_headers(body: str, timestamp: int, secret: str) -> dict[str, str]:
    """The headers of a JSON notification POST, signed as `verify_notification_signature` checks."""
    return {
        "Content-Type": "application/json",
        "X-Cld-Timestamp": str(timestamp),
        "X-Cld-Signature": notification_signature(body, timestamp, secret),
    }


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """`Basic base64(key:secret)` -> (key, secret); None when absent or malformed."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


# -- token authentication (the SDK's auth_token: `__cld_token__=[ip=…~][st=…~]exp=…~acl=…|url=…~hmac=…`)

AUTH_TOKEN_NAME = "__cld_token__"
_TOKEN_UNSAFE = frozenset(' "#%&\'/:;<=>?@[\\]^`{|}~')


def escape_token_url(text: str) -> str:
    """The SDK's escaping of a token's url/acl: unsafe runs percent-encoded, hex digits in lower case."""
    out = []
    for char in text:
        if char in _TOKEN_UNSAFE:
            out.append(f"%{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def auth_token_digest(message: str, key_hex: str) -> str:
    return hmac.new(bytes.fromhex(key_hex), message.encode(), hashlib.sha256).hexdigest()


def verify_auth_token(
    token: str, path: str, key_hex: str, now: float, client_ip: str | None = None, acl_paths: tuple[str, ...] = ()
) -> bool:
    """True when `token` (the value after `__cld_token__=`) grants `path` (the raw request path) now.

    The hmac covers the fields as sent (less `hmac`), plus `url=<escaped path>` when the
    token carries no ACL. ACL entries are `!`-separated globs (`*` matches anything), matched
    against the path and each of `acl_paths` (the path as an ACL may spell it, e.g. less the cloud)."""
    fields: dict[str, str] = {}
    order: list[str] = []
    for part in token.split("~"):
        name, sep, value = part.partition("=")
        if not sep or name in fields or name not in ("ip", "st", "exp", "acl", "hmac"):
            return False
        if name == "acl":
            # As the SDK escaped it: clients and proxies may decode or re-case it (`%2f` -> `/`, `%2F`).
            value = escape_token_url(urllib.parse.unquote(value))
        fields[name] = value
        order.append(f"{name}={value}")
    given = fields.get("hmac", "")
    signed = [p for p in order if not p.startswith("hmac=")]
    if "acl" not in fields:
        signed.append(f"url={escape_token_url(path)}")
    try:
        expected = auth_token_digest("~".join(signed), key_hex)
    except ValueError:  # a key that is not hex: configuration error, never a grant
        return False
    ok = hmac.compare_digest(expected.encode(), given.lower().encode())
    try:
        expires = int(fields.get("exp", ""))
        starts = int(fields["st"]) if "st" in fields else None
    except ValueError:
        return False
    if not ok or expires <= now or (starts is not None and starts > now + 1):
        return False
    if "ip" in fields and fields["ip"] != (client_ip or ""):
        return False
    if "acl" in fields:
        return any(_acl_matches(acl, p) for acl in fields["acl"].split("!") for p in (path, *acl_paths))
    return True


def _acl_matches(acl: str, path: str) -> bool:
    pattern = urllib.parse.unquote(acl)
    target = urllib.parse.unquote(path)
    parts = [re.escape(piece) for piece in pattern.split("*")]
    return re.fullmatch(".*".join(parts), target, flags=re.DOTALL) is not None
