"""The settings areas: one frozen dataclass per section of `config/edge.toml`, each field with
its default, env name and doc (the documentation is generated from them)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from edge.settings.parsers import (
    address_ports, cloud_domains, cloud_names, cloud_urls, cloudinary_urls, header_names, hex_keys, named_transformations,
    web_origins,
)
from edge.settings.values import FrozenMap, Secret, setting


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
    keep_metadata_clouds: frozenset[str] = setting(
        frozenset(), "EDGE_API_KEEP_METADATA_CLOUDS",
        "Clouds (comma-separated, * = all) where an overwrite keeps the asset's tags, context and structured "
        "metadata that the call does not set (Cloudinary's \"Keep existing metadata when uploading newer "
        "versions\"); elsewhere an overwrite clears them.", cloud_names,
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
    outbox_lease_seconds: float = setting(
        30.0, "EDGE_API_OUTBOX_LEASE_SECONDS",
        "A node that claimed a notification or eager_async job holds it this long; if it dies, another node takes it then.",
    )
    usage_flush_seconds: float = setting(
        10.0, "EDGE_API_USAGE_FLUSH_SECONDS",
        "Each process counts usage (requests, bytes, renders) in memory and adds it to the catalog this often.",
    )
    outbox_poll_seconds: float = setting(
        1.0, "EDGE_API_OUTBOX_POLL_SECONDS", "How often each process looks for due notifications and jobs another node wrote."
    )
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
class AccountSettings:
    """The account: product environments, API keys and users held in the catalog (docs/provisioning.md)."""

    url: Secret = setting(
        Secret(""), "CLOUDINARY_ACCOUNT_URL",
        "account://PROVISIONING_KEY:SECRET@ACCOUNT_ID (the SDK's variable): the Provisioning API's credentials; empty = off.",
    )
    secret_key: Secret = setting(
        Secret(""), "EDGE_SECRET_KEY",
        "Encrypts API secrets at rest (any long random string; the same on every node). Empty: one is generated in var/.",
    )
    admin_email: str = setting(
        "", "EDGE_ADMIN_EMAIL", "With EDGE_ADMIN_PASSWORD: the first console administrator, created when no user exists."
    )
    admin_password: Secret = setting(Secret(""), "EDGE_ADMIN_PASSWORD", "The first administrator's password.")
    refresh_seconds: float = setting(
        0.5, "EDGE_ACCOUNTS_REFRESH_SECONDS",
        "How often a node reads the catalog's change counter (environment and key changes; Redis pub/sub is faster).",
    )

    @property
    def account_id(self) -> str:
        return urllib.parse.urlsplit(self.url.reveal()).hostname or ""


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
class ConsoleSettings:
    """The web console at /console (docs/console.md): users of the accounts, sessions, pages."""

    enabled: bool = setting(True, "EDGE_CONSOLE_ENABLED", "Serve the web console at /console (false: the routes are absent).")
    idle_seconds: float = setting(
        1800.0, "EDGE_CONSOLE_IDLE_SECONDS", "A console session with no request for this long is logged out."
    )
    secure_cookie: bool = setting(
        False, "EDGE_CONSOLE_SECURE_COOKIE",
        "Always mark the session cookie Secure (it is anyway on an HTTPS request); set when a TLS proxy is in front.",
    )
