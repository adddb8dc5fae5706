"""Parsers of the settings' values: environment text or a TOML value -> the field's type,
raising ValueError that names what was expected (never echoing a secret)."""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from edge.settings.values import FrozenMap, Secret

# The list and map parsers accept the environment's text or the TOML file's array/table, so both
# sources give the same typed value.

_CLOUD = re.compile(r"[A-Za-z0-9_.-]+|\*")
_HEADER = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|\*")


def _items(raw: Any, separators: str = ",") -> list[str]:
    if isinstance(raw, list | tuple):
        parts = [str(item) for item in raw]
    elif isinstance(raw, str):
        parts = re.split(f"[{re.escape(separators)}]", raw) if separators != " " else raw.split()
    else:
        raise ValueError(f"expected a string or a list, got {type(raw).__name__}")
    return [part.strip() for part in parts if part.strip()]


def _pairs(raw: Any, what: str, separator: str = ",", bare_key: str | None = None) -> list[tuple[str, Any]]:
    """`key=value` items (or a TOML table); a bare item is `bare_key`'s value when allowed."""
    if isinstance(raw, Mapping):
        return [(str(key).strip(), value) for key, value in raw.items()]
    pairs = []
    for item in _items(raw, separator):
        key, eq, value = item.partition("=")
        if eq and _CLOUD.fullmatch(key.strip()):
            pairs.append((key.strip(), value.strip()))
        elif bare_key is not None:
            pairs.append((bare_key, item))
        else:
            raise ValueError(f"expected {what}, got {item!r}")
    return pairs


def cloud_names(raw: Any) -> frozenset[str]:
    """`shop,demo` (or `*` = every cloud)."""
    names = _items(raw)
    for name in names:
        if not _CLOUD.fullmatch(name):
            raise ValueError(f"expected cloud names, comma-separated, got {name!r}")
    return frozenset(names)


def web_origins(raw: Any) -> frozenset[str]:
    """`https://shop.example,http://127.0.0.1:3000` (or `*` = any), as browsers send `Origin`."""
    origins = [item.rstrip("/") for item in _items(raw)]
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(f"expected origins (scheme://host[:port]) or *, comma-separated, got {origin!r}")
    return frozenset(origins)


def header_names(raw: Any) -> tuple[str, ...]:
    names = _items(raw)
    for name in names:
        if not _HEADER.fullmatch(name):
            raise ValueError(f"expected HTTP header names, comma-separated, got {name!r}")
    return tuple(dict.fromkeys(names))


def cloudinary_urls(raw: Any) -> tuple[Secret, ...]:
    """cloudinary://KEY:SECRET@CLOUD URLs, comma- or space-separated."""
    urls = []
    for url in _items(raw, ", "):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "cloudinary" or not parts.hostname or not parts.username or not parts.password:
            raise ValueError("expected cloudinary://API_KEY:API_SECRET@CLOUD_NAME URLs (with key and secret)")
        urls.append(Secret(url))
    return tuple(urls)


def cloud_urls(raw: Any) -> FrozenMap[str]:
    """`https://hook` (every cloud, key "*") or `shop=https://a,demo=https://b`."""
    urls = FrozenMap(_pairs(raw, "URL or cloud=URL", bare_key="*"))
    for url in urls.values():
        if not str(url).startswith(("http://", "https://")):
            raise ValueError(f"expected http(s) URLs, got {url!r}")
    return urls


def cloud_domains(raw: Any) -> FrozenMap[tuple[str, ...]]:
    """`demo=example.com|*.cdn.example.org,shop=img.shop.test` -> per cloud domain patterns."""
    allowed: dict[str, list[str]] = {}
    for cloud, domains in _pairs(raw, "cloud=domain|domain"):
        patterns = [d.strip().lower() for d in (domains if isinstance(domains, list) else str(domains).split("|"))]
        if not all(patterns):
            raise ValueError(f"expected cloud=domain|domain, got an empty domain for {cloud!r}")
        allowed.setdefault(cloud, []).extend(patterns)
    return FrozenMap((cloud, tuple(patterns)) for cloud, patterns in allowed.items())


def address_ports(raw: Any) -> frozenset[tuple[str, int]]:
    """`127.0.0.1:8081,[::1]:9000` -> {("127.0.0.1", 8081), ("::1", 9000)}."""
    pairs = set()
    for item in _items(raw, ", "):
        host, sep, port = item.rpartition(":")
        try:
            address = str(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            sep = ""
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected an IP address:port, got {item!r}")
        pairs.add((address, int(port)))
    return frozenset(pairs)


def hex_keys(raw: Any) -> FrozenMap[Secret]:
    """`HEX` (every cloud, key "*") or `cloud=HEX,cloud2=HEX`."""
    keys = []
    for cloud, key in _pairs(raw, "HEX or cloud=HEX", bare_key="*"):
        try:
            bytes.fromhex(str(key))
        except ValueError:
            raise ValueError("keys must be hexadecimal (cloud=HEX or HEX)") from None
        keys.append((cloud, Secret(str(key))))
    return FrozenMap(keys)


def named_transformations(raw: Any) -> FrozenMap[str]:
    """`thumb=c_fill,w_150;avatar=t_thumb/r_max` -> {name: transformation} (checked by the grammar at start-up)."""
    named = _pairs(raw, "name=transformation", separator=";")
    for name, text in named:
        if not isinstance(text, str) or not text:
            raise ValueError(f"expected name=transformation, got nothing for {name!r}")
    return FrozenMap(named)


def scalar(kind: Any, raw: Any) -> Any:
    """A field without its own parser, by its annotation: Secret, bool, int, float or str."""
    if kind is Secret:
        return Secret(str(raw))
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise ValueError(f"not an integer: {raw!r}")
        try:
            return int(str(raw).replace("_", ""))
        except ValueError:
            raise ValueError(f"not an integer: {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"not a number: {raw!r}") from None
    return str(raw)
