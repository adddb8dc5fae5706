"""The Search API (`cloudinary.Search()`, `cloudinary.SearchFolders()`, `Search.to_url()`):
the request body as the SDK sends it -> a SearchQuery -> the SDK's response shape."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from edge.catalog.models import Asset
from edge.catalog.search import (
    FACETS,
    MAX_RESULTS,
    RANGE_FIELDS,
    SORTABLE,
    Bucket,
    RangeAggregation,
    SearchQuery,
    SortKey,
    search,
    search_folder_paths,
)
from edge.catalog.store import Catalog
from edge.errors import InvalidParameter, SignatureMismatch
from edge.grammar.search import FOLDER_FIELDS, evaluate, parse_search
from edge.services.assets import Params, describe
from edge.services.credentials import Credentials

DEFAULT_RESULTS = 50
# with_field values: those edge has, and the documented ones it has nothing for (accepted, empty).
WITH_FIELDS = {"tags", "context", "metadata"}
WITH_FIELDS_ACCEPTED = WITH_FIELDS | {"image_metadata", "image_analysis", "quality_analysis", "accessibility_analysis"}
# Always returned when `fields` narrows the resources.
_ALWAYS = ("asset_id", "public_id", "type", "resource_type", "version", "format", "created_at", "asset_folder")
# aggregate: "bytes" / "image_pixels" without ranges get these buckets (key, from, to).
DEFAULT_RANGES: dict[str, tuple[Bucket, ...]] = {
    "bytes": (Bucket("tiny", None, 100 * 1024), Bucket("small", 100 * 1024, 1024**2),
              Bucket("medium", 1024**2, 10 * 1024**2), Bucket("large", 10 * 1024**2, None)),
    "image_pixels": (Bucket("tiny", None, 100_000), Bucket("small", 100_000, 1_000_000),
                     Bucket("medium", 1_000_000, 10_000_000), Bucket("large", 10_000_000, None)),
}
MAX_TTL = 30 * 86400


class Search:
    def __init__(
        self,
        catalog: Catalog,
        credentials: Credentials,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self.catalog = catalog
        self.credentials = credentials
        self._clock = clock

    async def resources(self, cloud: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        started = time.perf_counter()
        query = parse_query(cloud, params, self._clock())
        page = await search(self.catalog.db, query)
        with_fields = _with_fields(params)
        fields = _split(params.get("fields"))
        body: dict[str, Any] = {
            "total_count": page.total_count,
            "time": 0,
            "resources": [_resource(a, base_url, secret, with_fields, fields) for a in page.assets],
        }
        if page.next_cursor:
            body["next_cursor"] = page.next_cursor
        if query.facets or query.ranges:
            body["aggregations"] = page.aggregations
        body["time"] = int((time.perf_counter() - started) * 1000)
        return body

    async def folders(self, cloud: str, params: Params) -> dict[str, Any]:
        """SearchFolders: the folders (created ones and those assets imply) whose name or path match."""
        started = time.perf_counter()
        tree = parse_search(_text(params.get("expression")), FOLDER_FIELDS)
        limit = _max_results(params.get("max_results"))
        descending = _folder_order(params.get("sort_by"))
        paths = sorted(await search_folder_paths(self.catalog.db, cloud), reverse=descending)
        found = [p for p in paths if evaluate(tree, {"name": p.rsplit("/", 1)[-1], "path": p}, ("name", "path"))]
        offset = _offset(params.get("next_cursor"))
        window = found[offset: offset + limit]
        body: dict[str, Any] = {
            "total_count": len(found),
            "time": int((time.perf_counter() - started) * 1000),
            "folders": [{"name": p.rsplit("/", 1)[-1], "path": p, "external_id": _folder_id(cloud, p)} for p in window],
        }
        if offset + limit < len(found):
            body["next_cursor"] = base64.urlsafe_b64encode(json.dumps(["folders", offset + limit]).encode()).decode()
        return body

    async def signed(self, cloud: str, signature: str, ttl_text: str, encoded: str, cursor: str | None,
                     base_url: str) -> tuple[dict[str, Any], int]:
        """`Search.to_url()`: sha256(ttl + base64 query + secret) by one of the cloud's keys -> (body, ttl)."""
        self.credentials.known_cloud(cloud)
        if not ttl_text.isdigit() or not 0 < int(ttl_text) <= MAX_TTL:
            raise InvalidParameter(f"Invalid ttl - {ttl_text[:20]}")
        keys = self.credentials.keyring.keys(cloud)
        matched = next((k for k in keys if hmac.compare_digest(
            hashlib.sha256(f"{ttl_text}{encoded}{k.secret}".encode()).hexdigest(), signature.lower())), None)
        if matched is None:
            raise SignatureMismatch("Invalid search signature")
        try:
            params = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        except (ValueError, binascii.Error):
            raise InvalidParameter("Invalid search query") from None
        if not isinstance(params, dict):
            raise InvalidParameter("Invalid search query - expected an object")
        params.pop("next_cursor", None)
        if cursor:
            params["next_cursor"] = cursor
        return await self.resources(cloud, params, base_url, matched.secret), int(ttl_text)


def parse_query(cloud: str, params: Params, now: datetime.datetime) -> SearchQuery:
    """The SDK's body (JSON types, or strings from a form) -> a SearchQuery; 400 on anything bad."""
    tree = parse_search(_text(params.get("expression")))
    facets: list[str] = []
    ranges: list[RangeAggregation] = []
    for item in _list(params.get("aggregate")):
        if isinstance(item, dict):
            kind = str(item.get("type", ""))
            if kind not in RANGE_FIELDS or kind == "pixels":
                raise InvalidParameter(f"Invalid aggregate - {kind} (range aggregations: bytes, image_pixels)")
            ranges.append(RangeAggregation(kind, _buckets(kind, item.get("ranges"))))
        elif str(item) in FACETS:
            facets.append(str(item))
        elif str(item) in DEFAULT_RANGES:
            ranges.append(RangeAggregation(str(item), DEFAULT_RANGES[str(item)]))
        else:
            raise InvalidParameter(f"Invalid aggregate - {item} (one of format, resource_type, type, bytes, image_pixels)")
    _with_fields(params)
    return SearchQuery(
        cloud, tree, now,
        sort=_sort(params.get("sort_by")),
        max_results=_max_results(params.get("max_results")),
        cursor=_text(params.get("next_cursor")) or None,
        facets=tuple(dict.fromkeys(facets)),
        ranges=tuple(ranges),
    )


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str) and value.startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            raise InvalidParameter(f"Invalid list - {value[:40]}") from None
        return decoded if isinstance(decoded, list) else [decoded]
    return [value]


def _split(value: Any) -> list[str]:
    """`fields`: a list or a comma string."""
    out: list[str] = []
    for item in _list(value):
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        raise InvalidParameter("Invalid expression - expected a string")
    return str(value)


def _max_results(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_RESULTS
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidParameter(f"Invalid max_results - {str(value)[:20]}") from None
    if not 1 <= number <= MAX_RESULTS:
        raise InvalidParameter(f"Invalid max_results - {number} (1 to {MAX_RESULTS})")
    return number


def _sort(value: Any) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    for item in _list(value):
        if isinstance(item, dict) and len(item) == 1:
            name, direction = next(iter(item.items()))
        elif isinstance(item, list | tuple) and len(item) == 2:
            name, direction = item
        elif isinstance(item, str):
            name, _, direction = item.partition(":")
        else:
            raise InvalidParameter("Invalid sort_by - expected [{field: asc|desc}]")
        name, direction = str(name), str(direction or "desc").lower()
        if name not in SORTABLE:
            raise InvalidParameter(f"Invalid sort_by field - {name} (one of {', '.join(SORTABLE)})")
        if direction not in ("asc", "desc"):
            raise InvalidParameter(f"Invalid sort_by direction - {direction} (asc or desc)")
        if all(k.field != name for k in keys):
            keys.append(SortKey(name, direction == "desc"))
    return tuple(keys) or (SortKey("created_at"),)


def _folder_order(value: Any) -> bool:
    for item in _list(value):
        if isinstance(item, dict) and len(item) == 1:
            name, direction = next(iter(item.items()))
            if str(name) not in ("path", "name"):
                raise InvalidParameter(f"Invalid sort_by field - {name} (path or name)")
            return str(direction).lower() == "desc"
    return False


def _offset(value: Any) -> int:
    if not value:
        return 0
    try:
        kind, offset = json.loads(base64.urlsafe_b64decode(str(value) + "=" * (-len(str(value)) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidParameter("Invalid next_cursor") from None
    if kind != "folders" or not isinstance(offset, int) or offset < 0:
        raise InvalidParameter("Invalid next_cursor")
    return offset


def _buckets(kind: str, value: Any) -> tuple[Bucket, ...]:
    if value is None:
        return DEFAULT_RANGES[kind]
    if not isinstance(value, list) or not value:
        raise InvalidParameter(f"Invalid aggregate ranges for {kind} - expected a list of {{key, from, to}}")
    buckets = []
    for item in value:
        if not isinstance(item, dict):
            raise InvalidParameter(f"Invalid aggregate range for {kind} - {item}")
        low, high = _bound(kind, item.get("from")), _bound(kind, item.get("to"))
        key = str(item.get("key") or f"{'*' if low is None else low}-{'*' if high is None else high}")
        buckets.append(Bucket(key, low, high))
    return tuple(buckets)


def _bound(kind: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"Invalid aggregate range for {kind} - {value}") from None


def _with_fields(params: Params) -> set[str]:
    names = set(_split(params.get("with_field")))
    unknown = names - WITH_FIELDS_ACCEPTED
    if unknown:
        raise InvalidParameter(f"Invalid with_field - {sorted(unknown)[0]} (one of {', '.join(sorted(WITH_FIELDS_ACCEPTED))})")
    return names & WITH_FIELDS


def _resource(asset: Asset, base_url: str, secret: str, with_fields: set[str], fields: list[str]) -> dict[str, Any]:
    body = describe(asset, base_url, secret, with_signature=False)
    body.pop("original_filename", None)
    body.pop("placeholder", None)
    body.update({
        "filename": asset.public_id.rsplit("/", 1)[-1],
        "display_name": asset.public_id.rsplit("/", 1)[-1],
        "uploaded_at": asset.created_at,
        "aspect_ratio": round(asset.width / asset.height, 5) if asset.height else 0,
        "pixels": asset.width * asset.height,
        "status": "active",
        "access_mode": "public",
        "backup_bytes": 0,
    })
    body.pop("tags", None)
    body.pop("context", None)
    body.pop("metadata", None)
    wanted = with_fields | {f for f in fields if f in WITH_FIELDS}
    if "tags" in wanted:
        body["tags"] = list(asset.tags)
    if "context" in wanted:
        body["context"] = dict(asset.context)
    if "metadata" in wanted:
        body["metadata"] = dict(asset.metadata)
    if fields:
        keep = set(fields) | set(_ALWAYS) | wanted
        body = {k: v for k, v in body.items() if k in keep}
    return body


def _folder_id(cloud: str, path: str) -> str:
    return hashlib.sha1(f"{cloud}/{path}".encode()).hexdigest()[:32]
