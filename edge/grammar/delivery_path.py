"""`/<cloud>/<resource_type>/<type>/[s--SIG--/][components/][v<version>/]<public_id>[.<ext>]` -> DeliveryPath.

Which segments are transformations? With a `v<digits>` segment, every segment before it
must be one (strict: a bad one is a 400). Without a version, leading segments are taken
while every comma part is a known `key_value` that parses; the first one that is not starts
the public_id, so a folder named `w_foo` still works. If such a folder then turns out not
to exist, the parse problem we stepped over is the better answer (`suspect_error`).
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from edge.errors import InvalidTransformation, InvalidUrl, ResourceNotFound, UnsupportedFormat
from edge.grammar.chain import Chain, Transformation, looks_like_component, parse_component
from edge.grammar.params import FORMAT_NAMES, UNSUPPORTED_FORMATS
from edge.grammar.values import OutputFormat
from edge.grammar.video_params import VIDEO_EXTENSIONS, VideoComponent, looks_like_video_component, parse_video_component

_SIGNATURE = re.compile(r"s--([A-Za-z0-9_-]{8,32})--")
_VERSION = re.compile(r"v(\d{1,12})")
_ESCAPED_COMMA = re.compile("%2C", re.IGNORECASE)
MAX_PATH_LENGTH = 4096
MAX_COMPONENTS = 24
RESOURCE_TYPES = frozenset({"image", "raw", "video"})
VIDEO_TYPES = frozenset({"upload", "private", "authenticated"})
RAW_TYPES = frozenset({"upload", "private", "authenticated"})
DELIVERY_TYPES = frozenset({"upload", "private", "authenticated", "fetch"})
_REMOTE_START = re.compile(r"https?:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DeliveryPath:
    cloud: str
    resource_type: str
    delivery_type: str
    signature: str | None
    chain: Chain
    version: int | None
    public_id: str
    extension: str | None
    suspect_error: str | None = None
    # What a URL signature covers: the raw text after s--SIG--, less the version segment.
    signed_part: str = ""
    # resource_type video: each component's image and video parameters (chain holds the image ones).
    video_components: tuple[VideoComponent, ...] = ()

    @property
    def signed_texts(self) -> tuple[str, ...]:
        """As sent, and decoded (the SDK signs escaped public_ids but raw transformation text)."""
        decoded = urllib.parse.unquote(self.signed_part)
        return (self.signed_part,) if decoded == self.signed_part else (self.signed_part, decoded)

    @property
    def requested_format(self) -> OutputFormat | str | None:
        """f_ wins over the extension; None = keep the original's format."""
        chosen = self.chain.last("format")
        if chosen is not None:
            return chosen
        return FORMAT_NAMES.get(self.extension) if self.extension else None  # None too for mp4, webm, ...


@functools.lru_cache(maxsize=8192)
def parse_delivery_path(raw_path: str) -> DeliveryPath:
    """Parse a raw (still percent-encoded) request path. Pure; cached because it is."""
    if len(raw_path) > MAX_PATH_LENGTH:
        raise InvalidUrl("URL too long")
    segments = [_decode(s) for s in raw_path.strip("/").split("/")]
    if len(segments) < 4:
        raise InvalidUrl("Invalid URL - expected /<cloud>/image/upload/<public_id>")
    cloud, resource_type, delivery_type, *rest = segments
    if resource_type not in RESOURCE_TYPES:
        raise InvalidUrl(f"Unsupported resource type - {resource_type}")
    if delivery_type not in DELIVERY_TYPES:
        raise InvalidUrl(f"Unsupported delivery type - {delivery_type}")

    signature = None
    raw_rest = raw_path.strip("/").split("/")[3:]
    if rest and (match := _SIGNATURE.fullmatch(rest[0])):
        signature = match.group(1)
        rest, raw_rest = rest[1:], raw_rest[1:]
    if delivery_type == "fetch" and resource_type == "image":
        return _fetch_path(cloud, resource_type, signature, rest, raw_rest)
    if resource_type == "raw":
        return _raw_path(cloud, delivery_type, signature, rest, raw_rest)
    if resource_type == "video" and delivery_type not in VIDEO_TYPES:
        raise InvalidUrl(f"Unsupported delivery type for video - {delivery_type}")
    video = resource_type == "video"
    found, version, id_segments, suspect = (
        _split(rest, looks_like_video_component, parse_video_component) if video else _split(rest)
    )
    video_components: tuple[VideoComponent, ...] = tuple(found) if video else ()  # type: ignore[arg-type]
    components: list[Transformation] = [c.image for c in video_components] if video else found  # type: ignore[misc]
    if version is not None:
        raw_rest = raw_rest[: len(components)] + raw_rest[len(components) + 1 :]
    if not id_segments or any(s in ("", ".", "..") or "\\" in s or "\0" in s for s in id_segments):
        raise InvalidUrl("Invalid public_id")
    if any(s.startswith(".") for s in id_segments):
        # No asset is named so (uploads refuse it): it is where the store keeps its own files.
        raise ResourceNotFound("Resource not found")
    if len(components) > MAX_COMPONENTS:
        raise InvalidTransformation(f"Too many transformation components - {len(components)}")

    public_id, extension = _split_extension("/".join(id_segments), VIDEO_EXTENSIONS if video else FORMAT_NAMES)
    return DeliveryPath(
        cloud=cloud,
        resource_type=resource_type,
        delivery_type=delivery_type,
        signature=signature,
        chain=Chain(tuple(components)),
        version=version,
        public_id=public_id,
        extension=extension,
        suspect_error=suspect,
        signed_part="/".join(raw_rest),
        video_components=video_components,
    )


def _fetch_path(cloud: str, resource_type: str, signature: str | None, rest: list[str], raw_rest: list[str]) -> DeliveryPath:
    """`fetch/[components/]<remote URL>`: the URL starts at the first `http:`/`https:` segment;
    everything before it must be a transformation. The public_id is the (decoded) URL; the
    signature covers the components and the URL as sent."""
    start = next((i for i, s in enumerate(rest) if _REMOTE_START.match(s)), None)
    if start is None:
        raise InvalidUrl("Invalid fetch URL - expected /<cloud>/image/fetch/[<transformations>/]<http(s) URL>")
    version = None
    if start and _VERSION.fullmatch(rest[start - 1]):  # `…/v17/https://…`: not signed, as for uploads
        version = int(rest[start - 1][1:])
        rest, raw_rest, start = rest[: start - 1] + rest[start:], raw_rest[: start - 1] + raw_rest[start:], start - 1
    components = [parse_component(s) for s in rest[:start]]
    if len(components) > MAX_COMPONENTS:
        raise InvalidTransformation(f"Too many transformation components - {len(components)}")
    try:
        url = urllib.parse.unquote("/".join(raw_rest[start:]), errors="strict")
    except UnicodeDecodeError:
        raise InvalidUrl("Invalid URL encoding") from None
    url = re.sub(r"^(https?):/+", r"\1://", url, flags=re.IGNORECASE)  # proxies may fold `//`
    if not urllib.parse.urlsplit(url).hostname:
        raise InvalidUrl("Invalid fetch URL - no host")
    return DeliveryPath(
        cloud=cloud,
        resource_type=resource_type,
        delivery_type="fetch",
        signature=signature,
        chain=Chain(tuple(components)),
        version=version,
        public_id=url,
        extension=None,
        signed_part="/".join(raw_rest),
    )


def _raw_path(cloud: str, delivery_type: str, signature: str | None, rest: list[str], raw_rest: list[str]) -> DeliveryPath:
    """`raw/<type>/[v<version>/]<public_id with its extension>`: no transformations."""
    if delivery_type not in RAW_TYPES:
        raise InvalidUrl(f"Unsupported delivery type for raw files - {delivery_type}")
    version = None
    if len(rest) > 1 and _VERSION.fullmatch(rest[0]):
        version, rest, raw_rest = int(rest[0][1:]), rest[1:], raw_rest[1:]
    if not rest or any(s in ("", ".", "..") or "\\" in s or "\0" in s for s in rest):
        raise InvalidUrl("Invalid public_id")
    if any(s.startswith(".") for s in rest):
        raise ResourceNotFound("Resource not found")
    return DeliveryPath(
        cloud=cloud,
        resource_type="raw",
        delivery_type=delivery_type,
        signature=signature,
        chain=Chain(()),
        version=version,
        public_id="/".join(rest),
        extension=None,
        signed_part="/".join(raw_rest),
    )


def _decode(segment: str) -> str:
    # An escaped comma (`%2C`, text layers) must survive: commas separate parameters.
    segment = _ESCAPED_COMMA.sub("%252C", segment)
    try:
        return urllib.parse.unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise InvalidUrl("Invalid URL encoding") from None


def _split(rest: list[str], looks_like_component: Callable[[str], tuple[bool, bool]] = looks_like_component,
           parse_component: Callable[[str], Any] = parse_component) -> tuple[list[Any], int | None, list[str], str | None]:
    """(components, version, public_id segments, suspect error)."""
    for index, segment in enumerate(rest[:-1]):
        if _VERSION.fullmatch(segment):
            if all(looks_like_component(s)[0] for s in rest[:index]):
                return [parse_component(s) for s in rest[:index]], int(segment[1:]), rest[index + 1 :], None
            break
        if not looks_like_component(segment)[0]:
            break

    components: list[Any] = []
    for index, segment in enumerate(rest[:-1]):
        all_known, any_known = looks_like_component(segment)
        if not any_known:
            return components, None, rest[index:], None
        try:
            if not all_known:
                parse_component(segment)  # raises, naming the unknown parameter
            components.append(parse_component(segment))
        except InvalidTransformation as exc:
            return components, None, rest[index:], exc.public_message
    return components, None, rest[-1:], None


def _split_extension(name: str, known: Collection[str] = FORMAT_NAMES) -> tuple[str, str | None]:
    stem, dot, extension = name.rpartition(".")
    if not dot or "/" in extension or not stem or stem.endswith("/"):
        return name, None
    extension = extension.lower()
    if extension in known:
        return stem, extension
    if extension in UNSUPPORTED_FORMATS:
        raise UnsupportedFormat(f"Unsupported format - {extension} ({UNSUPPORTED_FORMATS[extension]})")
    raise UnsupportedFormat(f"Unsupported format - {extension}")
