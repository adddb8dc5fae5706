"""`fetch` originals: remote images proxied by URL, per-cloud domain allow-list, cached with
the remote's own freshness (Cache-Control max-age, ETag/Last-Modified revalidation)."""

from __future__ import annotations

import hashlib
import re
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from edge.errors import InvalidImage, NotAllowed
from edge.origins.base import OriginVersion
from edge.origins.remote import RemoteFetcher, RemoteOriginal
from edge.concurrency.singleflight import SingleFlight

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store|private)\s*(?:,|$)", re.IGNORECASE)
# What a fetched original may be: raster images only. SVG (script), HTML and the rest are refused.
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)


def sniff_image(data: bytes) -> str | None:
    """The media type the bytes say they are, if a raster image we decode; else None."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"):
        return "image/avif" if data[8:12].startswith(b"avi") else "image/heic"
    return None


def domain_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Held:
    fresh_until: float
    version: OriginVersion
    data: bytes
    validators: Mapping[str, str]


class RemoteOriginals:
    """The fetched originals of every cloud, in memory up to `max_bytes` (least recently used out)."""

    def __init__(self, fetcher: RemoteFetcher, allowed: Mapping[str, tuple[str, ...]], default_max_age: float,
                 max_bytes: int) -> None:
        self.fetcher = fetcher
        self.allowed = allowed
        self.default_max_age = default_max_age
        self.max_bytes = max_bytes
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._bytes = 0
        self._flights = SingleFlight()  # many requests for one new URL: one remote GET

    def check_allowed(self, cloud: str, url: str) -> None:
        self._check_host(cloud, urllib.parse.urlsplit(url).hostname or "")

    def _check_host(self, cloud: str, host: str) -> None:
        if not domain_allowed(host, self.allowed.get(cloud, ())):
            raise NotAllowed(f"Fetch not allowed - {host} is not in the allowed fetch domains")

    async def get(self, cloud: str, url: str, max_bytes: int) -> tuple[OriginVersion, bytes]:
        """(version, bytes) of the remote original; revalidated once its freshness has run out."""
        self.check_allowed(cloud, url)
        key = f"{cloud}\0{url}"
        held = self._held.get(key)
        now = time.monotonic()
        if held is not None and held.fresh_until > now:
            self._held.move_to_end(key)
            return held.version, held.data
        result, _ = await self._flights.run(key, lambda: self._refresh(cloud, key, url, max_bytes, held))
        return result

    async def _refresh(self, cloud: str, key: str, url: str, max_bytes: int, held: _Held | None) -> tuple[OriginVersion, bytes]:
        answer = await self.fetcher.fetch_original(
            url, max_bytes, held.validators if held else None, check_host=lambda host: self._check_host(cloud, host)
        )
        if answer.data is None and held is not None:  # 304: the bytes we hold are still the remote's
            data = held.data
        elif answer.data is not None:
            data = answer.data
        else:
            raise InvalidImage("Remote answered 304 to an unconditional request")
        if sniff_image(data) is None:
            raise InvalidImage("Fetched resource is not a supported image")
        token = hashlib.sha256(data).hexdigest()[:24]
        version = OriginVersion(url, token, len(data))
        fresh_until = time.monotonic() + _freshness(answer, self.default_max_age)
        validators = _validators(answer) or (held.validators if held is not None and answer.data is None else {})
        self._hold(key, _Held(fresh_until, version, data, validators))
        return version, data

    def forget(self) -> None:
        self._held.clear()
        self._bytes = 0

    def _hold(self, key: str, held: _Held) -> None:
        previous = self._held.pop(key, None)
        if previous is not None:
            self._bytes -= len(previous.data)
        if len(held.data) > self.max_bytes:
            return
        self._held[key] = held
        self._bytes += len(held.data)
        while self._bytes > self.max_bytes and self._held:
            _, evicted = self._held.popitem(last=False)
            self._bytes -= len(evicted.data)


def _freshness(answer: RemoteOriginal, default: float) -> float:
    if _NO_CACHE.search(answer.cache_control):
        return 0.0
    match = _MAX_AGE.search(answer.cache_control)
    return float(match.group(1)) if match else default


def _validators(answer: RemoteOriginal) -> dict[str, str]:
    validators = {}
    if answer.etag:
        validators["If-None-Match"] = answer.etag
    if answer.last_modified:
        validators["If-Modified-Since"] = answer.last_modified
    return validators
