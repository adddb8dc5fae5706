"""Settings: frozen dataclasses, read once at start-up from the config file and the environment.

Precedence: field default < `config/edge.toml` (section = area, key = field) < environment.
Every problem is collected and raised together as one `SettingsError`. Nothing reads
`os.environ` after `main()`; components get only the slice they need.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from edge.errors import SettingsError


class Secret:
    """A value that never prints: no __str__, a masked repr; `.reveal()` at the one line that needs it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


V = TypeVar("V")


class FrozenMap(Mapping[str, V]):
    """An immutable, hashable mapping: the type of the `key=value,...` settings (a frozen
    dataclass field needs a hashable default, and nothing may change a setting once loaded)."""

    __slots__ = ("_data",)

    def __init__(self, items: Iterable[tuple[str, V]] | Mapping[str, V] = ()) -> None:
        self._data: dict[str, V] = dict(items)

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def setting(default: Any, env: str, doc: str, parse: Callable[[Any], Any] | None = None) -> Any:
    """A field with its env name and doc; `parse` turns the raw text (or TOML value) into the
    field's type and raises ValueError naming what it expected (never echoing a secret)."""
    metadata: dict[str, Any] = {"env": env, "doc": doc}
    if parse is not None:
        metadata["parse"] = parse
    return field(default=default, metadata=metadata)


# Parsers of the list and map settings. Each accepts the environment's text or the TOML file's
# array/table, so both sources give the same typed value.

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



@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = setting("127.0.0.1", "EDGE_SERVER_HOST", "Address to listen on.")
    port: int = setting(8080, "EDGE_SERVER_PORT", "TCP port to listen on.")
    access_log: bool = setting(False, "EDGE_SERVER_ACCESS_LOG", "Log one line per request (costs throughput).")
    shutdown_grace_seconds: float = setting(
        25.0, "EDGE_SERVER_SHUTDOWN_GRACE_SECONDS", "On SIGTERM, how long in-flight requests may finish."
    )
    drain_seconds: float = setting(
        5.0, "EDGE_SERVER_DRAIN_SECONDS",
        "On SIGTERM, /readyz answers 503 and the listener stays open this long (load balancers see it), then shutdown.",
    )
    log_format: str = setting("text", "EDGE_SERVER_LOG_FORMAT", "text, or json: one JSON object per line with the request id.")
    workers: int = setting(
        0, "EDGE_SERVER_WORKERS",
        "Processes sharing the port (`edge serve --workers`), each restarted if it dies; 0 = one per CPU core.",
    )


@dataclass(frozen=True, slots=True)
class CloudSettings:
    url: Secret = setting(
        Secret("cloudinary://edge:edge-secret@demo"),
        "CLOUDINARY_URL",
        "cloudinary://API_KEY:API_SECRET@CLOUD_NAME, the same variable the official SDK reads.",
    )

    @property
    def name(self) -> str:
        return urllib.parse.urlsplit(self.url.reveal()).hostname or "demo"


@dataclass(frozen=True, slots=True)
class StorageSettings:
    url: str = setting(
        "file://./var/storage", "EDGE_STORAGE_URL", "Originals: file:///abs/dir (relative paths are from the working dir)."
    )
    revalidate_seconds: float = setting(
        1.0, "EDGE_STORAGE_REVALIDATE_SECONDS", "How long a looked-up original's version is trusted before a new stat."
    )

    @property
    def folder(self) -> Path:
        parts = urllib.parse.urlsplit(self.url)
        return Path(urllib.parse.unquote(parts.netloc + parts.path)).resolve()


    @property
    def scheme(self) -> str:
        return urllib.parse.urlsplit(self.url).scheme

    @property
    def bucket(self) -> str:
        """s3://BUCKET/prefix"""
        return urllib.parse.urlsplit(self.url).netloc

    @property
    def prefix(self) -> str:
        """s3://bucket/PREFIX, without slashes at either end ("" = the bucket's root)."""
        return urllib.parse.unquote(urllib.parse.urlsplit(self.url).path).strip("/")


@dataclass(frozen=True, slots=True)
class CacheSettings:
    memory_bytes: int = setting(256 * 2**20, "EDGE_CACHE_MEMORY_BYTES", "Memory tier size; 0 disables it.")
    dir: str = setting("./var/cache", "EDGE_CACHE_DIR", "Disk tier folder; empty disables it.")
    disk_bytes: int = setting(2 * 2**30, "EDGE_CACHE_DISK_BYTES", "Disk tier size; least recently used files go first.")
    max_entry_bytes: int = setting(16 * 2**20, "EDGE_CACHE_MAX_ENTRY_BYTES", "Derivatives larger than this are not cached.")


@dataclass(frozen=True, slots=True)
class LimitSettings:
    max_source_pixels: int = setting(
        50_000_000, "EDGE_LIMITS_MAX_SOURCE_PIXELS", "Refuse originals above this many pixels (all frames); from the header, before decode."
    )
    max_source_bytes: int = setting(
        64 * 2**20, "EDGE_LIMITS_MAX_SOURCE_BYTES", "Refuse originals larger than this many bytes."
    )
    max_output_dimension: int = setting(
        8192, "EDGE_LIMITS_MAX_OUTPUT_DIMENSION", "Refuse transformations whose result is wider or taller than this."
    )


@dataclass(frozen=True, slots=True)
class RenderSettings:
    workers: int = setting(
        0, "EDGE_RENDER_WORKERS",
        "Render threads per process; 0 = the CPU cores divided among the server's worker processes (at least 1).",
    )
    queue: int = setting(256, "EDGE_RENDER_QUEUE", "Renders that may wait for a thread; beyond it, 429.")
    timeout_seconds: float = setting(30.0, "EDGE_RENDER_TIMEOUT_SECONDS", "A render running longer is aborted (504).")


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    max_age_seconds: int = setting(
        3600, "EDGE_DELIVERY_MAX_AGE_SECONDS", "Cache-Control max-age for URLs without a version."
    )
    versioned_max_age_seconds: int = setting(
        31_536_000, "EDGE_DELIVERY_VERSIONED_MAX_AGE_SECONDS", "max-age (plus immutable) for URLs with v<version>."
    )


@dataclass(frozen=True, slots=True)
class TransformationSettings:
    named: FrozenMap[str] = setting(
        FrozenMap(), "EDGE_TRANSFORMATIONS_NAMED",
        "Named transformations for t_<name>: name=transformation pairs separated by ';' "
        "(e.g. thumb=c_fill,w_150,h_150;avatar=t_thumb/r_max).",
        named_transformations,
    )
    max_frames: int = setting(
        100, "EDGE_TRANSFORMATIONS_MAX_FRAMES",
        "Animated originals with more frames are refused (413); all frames count towards the pixel limit.",
    )


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: Secret = setting(
        Secret("sqlite:///var/edge.db"),
        "EDGE_DATABASE_URL",
        "Catalog: sqlite:///relative.db, sqlite:////abs/path.db, or postgresql://user@host:5432/db (shared by nodes).",
    )


@dataclass(frozen=True, slots=True)
class ApiSettings:
    keys: tuple[Secret, ...] = setting(
        (),
        "EDGE_API_KEYS",
        "More product environments or rotated keys: cloudinary://KEY:SECRET@CLOUD URLs, comma-separated.",
        cloudinary_urls,
    )
    max_upload_bytes: int = setting(
        100 * 2**20, "EDGE_API_MAX_UPLOAD_BYTES", "Largest Upload API request body (the delivery routes take none)."
    )
    backup_clouds: frozenset[str] = setting(
        frozenset(), "EDGE_API_BACKUP_CLOUDS",
        "Clouds (comma-separated, * = all) whose overwritten or deleted originals are kept.", cloud_names,
    )
    notification_url: FrozenMap[str] = setting(
        FrozenMap(), "EDGE_API_NOTIFICATION_URL",
        "Webhook for every upload/destroy/rename/eager: a URL, or cloud=URL pairs, comma-separated.", cloud_urls,
    )
    strict_clouds: frozenset[str] = setting(
        frozenset(), "EDGE_API_STRICT_CLOUDS",
        "Clouds with strict transformations: unsigned URLs may only use allowed ones.", cloud_names,
    )
    fetch_timeout_seconds: float = setting(20.0, "EDGE_API_FETCH_TIMEOUT_SECONDS", "Time limit for uploads given as a URL.")
    fetch_allow_private: bool = setting(
        False, "EDGE_API_FETCH_ALLOW_PRIVATE", "Let URL uploads reach loopback/private addresses (tests only)."
    )
    admin_calls_per_hour: int = setting(
        0, "EDGE_API_ADMIN_CALLS_PER_HOUR", "Admin API calls per key per hour and process, then 420; 0 = unlimited."
    )
    webhook_attempts: int = setting(5, "EDGE_API_WEBHOOK_ATTEMPTS", "Deliveries tried per notification (backoff 1 s, 2 s, 4 s...).")
    webhook_timeout_seconds: float = setting(10.0, "EDGE_API_WEBHOOK_TIMEOUT_SECONDS", "Time limit for one notification POST.")
    cors_origins: frozenset[str] = setting(
        frozenset({"*"}), "EDGE_API_CORS_ORIGINS",
        "Origins (scheme://host[:port], comma-separated, * = any) whose pages may call the Upload API from a browser"
        " (the Upload Widget); others get no CORS headers. Credentials travel in the request, never in cookies.",
        web_origins,
    )


@dataclass(frozen=True, slots=True)
class S3Settings:
    """Used when EDGE_STORAGE_URL is s3://bucket/prefix. Credentials come from the usual AWS chain
    (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance role)."""

    endpoint_url: str = setting("", "EDGE_S3_ENDPOINT_URL", "S3-compatible endpoint (MinIO, Ceph, R2); empty = AWS.")
    region: str = setting("", "EDGE_S3_REGION", "Bucket region; empty = the AWS chain's (AWS_REGION, profile).")
    addressing_style: str = setting(
        "auto", "EDGE_S3_ADDRESSING_STYLE", "auto, path (most S3-compatible servers) or virtual."
    )
    connect_timeout_seconds: float = setting(2.0, "EDGE_S3_CONNECT_TIMEOUT_SECONDS", "TCP connect timeout per attempt.")
    read_timeout_seconds: float = setting(10.0, "EDGE_S3_READ_TIMEOUT_SECONDS", "Socket read timeout per attempt.")
    max_attempts: int = setting(3, "EDGE_S3_MAX_ATTEMPTS", "Attempts per call, first included (botocore standard retries).")
    call_timeout_seconds: float = setting(20.0, "EDGE_S3_CALL_TIMEOUT_SECONDS", "Whole call, retries included (then 504).")
    max_connections: int = setting(32, "EDGE_S3_MAX_CONNECTIONS", "Connection pool size per process.")
    lookup_seconds: float = setting(
        5.0, "EDGE_S3_LOOKUP_SECONDS", "How long a found public_id -> key is trusted (invalidations drop it sooner)."
    )
    negative_lookup_seconds: float = setting(
        2.0, "EDGE_S3_NEGATIVE_LOOKUP_SECONDS", "How long a public_id that was not found stays not found."
    )


@dataclass(frozen=True, slots=True)
class RedisSettings:
    """The shared tier, cross-node render locks and invalidation messages. Optional: without a
    URL each node stands alone. When Redis is down, delivery goes on without it."""

    url: Secret = setting(
        Secret(""), "EDGE_REDIS_URL", "redis://[:password@]host:6379/0; empty disables the shared tier."
    )
    key_prefix: str = setting("edge:", "EDGE_REDIS_KEY_PREFIX", "Prefix of every key and channel (several deployments, one Redis).")
    ttl_seconds: int = setting(86_400, "EDGE_REDIS_TTL_SECONDS", "Derivatives expire from Redis after this.")
    max_entry_bytes: int = setting(4 * 2**20, "EDGE_REDIS_MAX_ENTRY_BYTES", "Larger derivatives are not shared.")
    socket_timeout_seconds: float = setting(0.5, "EDGE_REDIS_SOCKET_TIMEOUT_SECONDS", "A slower Redis counts as down.")
    retry_seconds: float = setting(1.0, "EDGE_REDIS_RETRY_SECONDS", "While down: how often to try again.")
    lock_seconds: float = setting(
        30.0, "EDGE_REDIS_LOCK_SECONDS", "A render lock expires after this (a node that died holding it)."
    )
    wait_seconds: float = setting(
        10.0, "EDGE_REDIS_WAIT_SECONDS", "How long a node waits for another node's render before rendering itself."
    )


@dataclass(frozen=True, slots=True)
class FetchSettings:
    allowed_domains: FrozenMap[tuple[str, ...]] = setting(
        FrozenMap(), "EDGE_FETCH_ALLOWED_DOMAINS",
        "`fetch` delivery per cloud: cloud=domain|*.domain pairs, comma-separated. Empty = fetch disabled.",
        cloud_domains,
    )
    lift_guard: frozenset[tuple[str, int]] = setting(
        frozenset(), "EDGE_FETCH_LIFT_GUARD",
        "address:port pairs (comma-separated) that fetch and URL uploads may reach although private (local test servers).",
        address_ports,
    )
    timeout_seconds: float = setting(10.0, "EDGE_FETCH_TIMEOUT_SECONDS", "Time limit for fetching one remote original.")
    max_redirects: int = setting(3, "EDGE_FETCH_MAX_REDIRECTS", "Redirects followed (each hop checked again).")
    default_max_age_seconds: float = setting(
        3600.0, "EDGE_FETCH_DEFAULT_MAX_AGE_SECONDS",
        "How long a fetched original is reused when the remote sends no max-age; then revalidated (ETag).",
    )
    cache_bytes: int = setting(64 * 2**20, "EDGE_FETCH_CACHE_BYTES", "Memory for fetched originals (LRU).")


@dataclass(frozen=True, slots=True)
class AuthSettings:
    token_keys: FrozenMap[Secret] = setting(
        FrozenMap(), "EDGE_AUTH_TOKEN_KEYS",
        "Token authentication keys (hex, as the SDK's auth_token key): one for every cloud, or cloud=HEX pairs, comma-separated.",
        hex_keys,
    )


@dataclass(frozen=True, slots=True)
class CdnSettings:
    surrogate_key_headers: tuple[str, ...] = setting(
        ("Surrogate-Key", "Cache-Tag"), "EDGE_CDN_SURROGATE_KEY_HEADERS",
        "Response headers naming a derivative's assets (Fastly Surrogate-Key, Cloudflare Cache-Tag); empty = none.",
        header_names,
    )
    purge_url: str = setting(
        "", "EDGE_CDN_PURGE_URL",
        "Webhook POSTed the surrogate keys on overwrite, destroy or rename with invalidate=true (signed); empty = none.",
    )


@dataclass(frozen=True, slots=True)
class ListSettings:
    clouds: frozenset[str] = setting(
        frozenset(), "EDGE_LIST_CLOUDS",
        "Clouds (comma-separated, * = all) answering /<cloud>/image/list/<tag>.json; others 403.", cloud_names,
    )
    max_age_seconds: float = setting(60.0, "EDGE_LIST_MAX_AGE_SECONDS", "How long a tag list is kept and may be cached.")


@dataclass(frozen=True, slots=True)
class VideoSettings:
    workers: int = setting(1, "EDGE_VIDEO_WORKERS", "Transcoder processes running at once (each uses one core).")
    queue: int = setting(16, "EDGE_VIDEO_QUEUE", "Transcodes that may wait for a process; beyond it, 429.")
    timeout_seconds: float = setting(300.0, "EDGE_VIDEO_TIMEOUT_SECONDS", "A transcode running longer is killed (504).")
    cpu_seconds: int = setting(600, "EDGE_VIDEO_CPU_SECONDS", "CPU time one transcode may use (RLIMIT_CPU); then it is killed.")
    max_source_bytes: int = setting(500 * 2**20, "EDGE_VIDEO_MAX_SOURCE_BYTES", "Refuse videos larger than this (413).")
    max_duration_seconds: float = setting(3600.0, "EDGE_VIDEO_MAX_DURATION_SECONDS", "Refuse videos whose header declares a longer duration (413).")
    max_pixels: int = setting(3840 * 2160, "EDGE_VIDEO_MAX_PIXELS", "Refuse videos whose frames are larger than this, from the header (413).")
    max_output_bytes: int = setting(500 * 2**20, "EDGE_VIDEO_MAX_OUTPUT_BYTES", "A transcode writing more is stopped (400).")
    cache_bytes: int = setting(10 * 2**30, "EDGE_VIDEO_CACHE_BYTES", "Disk for transcoded videos and local copies of originals, under EDGE_CACHE_DIR/video (LRU).")
    sync_max_seconds: float = setting(
        120.0, "EDGE_VIDEO_SYNC_MAX_SECONDS",
        "Transcodes of longer spans (seconds of source) are not waited for: 202 + Retry-After, made in the background.",
    )


@dataclass(frozen=True, slots=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    cloud: CloudSettings = field(default_factory=CloudSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    transformations: TransformationSettings = field(default_factory=TransformationSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    cdn: CdnSettings = field(default_factory=CdnSettings)
    lists: ListSettings = field(default_factory=ListSettings)
    video: VideoSettings = field(default_factory=VideoSettings)

    @classmethod
    def load(cls, environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
        """Defaults, then the TOML file (if any), then the environment; all errors at once."""
        file_values: dict[str, Any] = {}
        problems: list[str] = []
        if config_file is not None:
            try:
                file_values = tomllib.loads(config_file.read_text())
            except (OSError, tomllib.TOMLDecodeError) as exc:
                problems.append(f"{config_file}: {exc}")
        areas = {}
        for area in dataclasses.fields(cls):
            area_cls = area.default_factory  # type: ignore[misc]
            section = file_values.get(area.name, {})
            if not isinstance(section, dict):
                problems.append(f"{config_file}: [{area.name}] must be a table")
                section = {}
            areas[area.name] = _load_area(area_cls, area.name, section, environ, problems)
        # A value that did not parse keeps its (valid) default, so validate() still checks every other one.
        settings = cls(**areas)
        problems.extend(settings.validate())
        if problems:
            raise SettingsError(problems)
        return settings

    @property
    def processes(self) -> int:
        """Worker processes of `edge serve`: EDGE_SERVER_WORKERS, or one per core."""
        return self.server.workers or cores()

    @property
    def render_threads(self) -> int:
        """Render threads of each process: EDGE_RENDER_WORKERS, or the cores shared among the processes
        (measured on 2 cores, 2 processes x 1 thread rendered cold URLs as fast as 2 x 2 or faster,
        and a process per core with a thread per core would hold cores^2 renders' memory at once)."""
        return self.render.workers or max(1, cores() // self.processes)

    def validate(self) -> list[str]:
        problems = []
        for area in dataclasses.fields(self):
            for f in dataclasses.fields(getattr(self, area.name)):
                value = getattr(getattr(self, area.name), f.name)
                if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                    problems.append(f"{f.metadata['env']} must not be negative (got {value})")
        if self.storage.scheme not in ("file", "s3"):
            problems.append("EDGE_STORAGE_URL must be file:///abs/dir or s3://bucket/prefix")
        elif self.storage.scheme == "s3" and not self.storage.bucket:
            problems.append("EDGE_STORAGE_URL: s3:// needs a bucket name")
        if self.s3.addressing_style not in ("auto", "path", "virtual"):
            problems.append("EDGE_S3_ADDRESSING_STYLE must be auto, path or virtual")
        if self.s3.max_attempts < 1:
            problems.append("EDGE_S3_MAX_ATTEMPTS must be at least 1")
        redis_url = self.redis.url.reveal()
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            problems.append("EDGE_REDIS_URL must be redis://, rediss:// or unix://")
        if self.server.log_format not in ("text", "json"):
            problems.append("EDGE_SERVER_LOG_FORMAT must be text or json")
        if not self.cloud.url.reveal().startswith("cloudinary://"):
            problems.append("CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME")
        if not self.database.url.reveal().startswith(("sqlite:///", "postgresql://", "postgres://")):
            problems.append("EDGE_DATABASE_URL must start with sqlite:/// or postgresql://")
        parts = urllib.parse.urlsplit(self.cloud.url.reveal())
        if parts.scheme == "cloudinary" and (not parts.hostname or not parts.username or not parts.password):
            problems.append("CLOUDINARY_URL must be cloudinary://API_KEY:API_SECRET@CLOUD_NAME (with key and secret)")
        return problems


def _load_area(area_cls: type, area_name: str, section: dict[str, Any], environ: Mapping[str, str], problems: list[str]) -> Any:
    hints = get_type_hints(area_cls)
    values: dict[str, Any] = {}
    known = {f.name for f in dataclasses.fields(area_cls)}
    for unknown in sorted(set(section) - known):
        problems.append(f"config [{area_name}] has no setting {unknown!r}")
    for f in dataclasses.fields(area_cls):
        env = f.metadata["env"]
        if env in environ:
            raw, source = environ[env], env
        elif f.name in section:
            raw, source = section[f.name], f"[{area_name}] {f.name}"
        else:
            continue
        try:
            parse = f.metadata.get("parse")
            values[f.name] = parse(raw) if parse is not None else _coerce(hints[f.name], raw)
        except ValueError as exc:
            problems.append(f"{source}: {exc}")
    return area_cls(**values)


def _coerce(kind: Any, raw: Any) -> Any:
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


def cores() -> int:
    """The CPUs this process may run on (a cpuset or `taskset` narrows them), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def describe() -> list[tuple[str, str, Any, str]]:
    """(area, env, default, doc) for every setting: the source of the generated example env file."""
    rows = []
    for area in dataclasses.fields(Settings):
        for f in dataclasses.fields(area.default_factory):  # type: ignore[arg-type]
            rows.append((area.name, f.metadata["env"], f.default, f.metadata["doc"]))
    return rows
