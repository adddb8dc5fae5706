"""Delivery.get: a parsed delivery path and the client's Accept -> a derivative (cached or rendered)."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from edge.cache.base import CachedDerivative
from edge.concurrency.singleflight import SingleFlight
from edge.concurrency.ttl import TTLMap
from edge.cache.tiered import TieredCache
from edge.errors import (
    EdgeError,
    InvalidTransformation,
    NotAllowed,
    OriginChanged,
    OriginTimeout,
    OriginUnavailable,
    ResourceNotFound,
)
from edge.grammar.chain import Chain
from edge.grammar.delivery_path import DeliveryPath
from edge.grammar.expressions import references_metadata
from edge.grammar.named import expand, uses_named
from edge.grammar.params import FETCH_LAYER_PREFIX
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.limits import Limits
from edge.imaging.abort import Abort
from edge.imaging.render import Rendered, render
from edge.metrics import Metrics
from edge.origins.base import OriginStore, OriginVersion, storage_cloud
from edge.services.coordination import Cluster
from edge.services.fetch import RemoteOriginals
from edge.services.purge import cloud_key, surrogate_key
from edge.services.render_pool import RenderPool
from edge.services.untransformed import original_as_is_sync, untransformed_format


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    imaging: Limits
    max_source_bytes: int
    render_timeout: float


@dataclass(frozen=True, slots=True)
class Derivative:
    entry: CachedDerivative
    etag: str  # strong; derived from the cache key: same key, same bytes
    negotiated: bool  # the format depended on Accept: Vary: Accept
    source: str  # memory | disk | redis | render | shared (waited for another request's render) | stale
    versioned: bool  # the URL carries v<version>: cacheable forever
    disposition: str | None = None  # fl_attachment: the Content-Disposition value
    immutable: bool = False  # fl_immutable_cache: cache as if the URL were versioned
    default_image: str | None = None  # d_<id> was served because the asset is missing
    surrogate_keys: tuple[str, ...] = ()  # the assets it was made from (CDN purge by asset)


@dataclass(frozen=True, slots=True)
class _Recent:
    key: str
    answer: Derivative  # with a placeholder entry: the bytes live in the memory tier, not here


MAX_RECENT = 20_000
_NO_BYTES = CachedDerivative(b"", "", 0, 0)


class Delivery:
    def __init__(
        self,
        cloud: str,
        origins: OriginStore,
        cache: TieredCache,
        pool: RenderPool,
        limits: DeliveryLimits,
        metrics: Metrics,
        *,
        clouds: frozenset[str] | None = None,
        named: Mapping[str, Chain] | None = None,
        named_lookup: Callable[[str, frozenset[str]], Awaitable[Mapping[str, Chain]]] | None = None,
        asset_metadata: Callable[[str, str, str], Awaitable[tuple[tuple[str, ...], dict[str, str]]]] | None = None,
        remote: RemoteOriginals | None = None,
        recent_seconds: float = 0.0,
        cluster: Cluster | None = None,
    ) -> None:
        self.cloud = cloud
        self.clouds = clouds or frozenset({cloud})  # every product environment served (the credentials' clouds)
        # cloud -> {name: Chain} for t_<name> from the catalog (the Admin API's).
        self.named_lookup = named_lookup
        self.origins = origins
        self.cache = cache
        self.pool = pool
        self.limits = limits
        self.metrics = metrics
        self._flights = SingleFlight()
        self.named = named or {}
        # (raw path, Accept) -> the derivative key it led to, trusted as long as an origin
        # lookup is (recent_seconds): a repeated URL skips parsing, lookup and hashing.
        self.recent_seconds = recent_seconds
        self._recent: TTLMap[_Recent] = TTLMap(MAX_RECENT, recent_seconds)
        # `fetch` originals; None = fetch disabled.
        self.remote = remote
        # (cloud, type, public_id) -> the asset's (tags, context), for conditions on them;
        # looked up only for chains that read them.
        self.asset_metadata = asset_metadata
        self.cluster = cluster or Cluster(origins, cache, metrics)
        self.cluster.on_invalidate.append(self.forget_recent)

    async def expand_named(self, cloud: str, chain: Chain) -> Chain:
        """Replace t_<name> by its definition: the Admin API's (per cloud) win over the config's."""
        if not uses_named(chain):
            return chain
        lookup = dict(self.named)
        if self.named_lookup is not None:
            used = frozenset(name for t in chain.components for name in (t.named or ()))
            lookup.update(await self.named_lookup(cloud, used - lookup.keys()))
        return expand(chain, lookup)

    def recent(self, memo_key: object) -> Derivative | None:
        """The answer to a request seen moments ago, if its bytes are still in memory."""
        seen = self._recent.get(memo_key)
        if seen is None or self.cache.memory is None:
            return None
        entry = self.cache.memory.get(seen.key)
        if entry is None:
            return None
        self.metrics.cache_result("memory", True)
        a = seen.answer
        return Derivative(entry, a.etag, a.negotiated, "memory", a.versioned, a.disposition, a.immutable,
                          a.default_image, a.surrogate_keys)

    def forget_recent(self) -> None:
        """Call on any invalidation: the memo may name a derivative of the old original."""
        self._recent.clear()

    def _remember(self, memo_key: object, key: str, derivative: Derivative) -> None:
        if self.recent_seconds <= 0:
            return
        # Never the bytes: the memo must not keep a derivative alive after the memory tier evicts it.
        self._recent.put(memo_key, _Recent(key, dataclasses.replace(derivative, entry=_NO_BYTES)))

    async def get(self, path: DeliveryPath, accept: str, memo_key: object = None) -> Derivative:
        try:
            return await self._get(path, accept, memo_key)
        except OriginChanged:  # replaced between lookup and read: the store forgot it, look again once
            return await self._get(path, accept, memo_key)

    async def _get(self, path: DeliveryPath, accept: str, memo_key: object) -> Derivative:
        if path.cloud not in self.clouds:
            raise ResourceNotFound(f"Unknown cloud - {path.cloud}")
        if uses_named(path.chain):
            path = dataclasses.replace(path, chain=await self.expand_named(path.cloud, path.chain))
        output = negotiate(path.requested_format, path.chain.last("quality"), path.chain.flags, accept)
        started = time.perf_counter()
        variant = f"{path.resource_type}/{path.delivery_type}/{path.chain.canonical}/{output.token}"
        versioned = path.version is not None
        try:
            version, fetched, default = await self._original(path)
        except (OriginUnavailable, OriginTimeout) as exc:
            return await self._stale_or_raise(path, variant, output, versioned, exc)
        layers, fetched_layers = await self._locate_layers(path)
        extras = (default, _surrogate_keys(path, default, layers))
        metadata = await self._metadata(path)
        material = "".join(v.token for _, v in sorted(layers.items()))
        if metadata is not None:  # the result depends on them: so does the key
            material += repr((sorted(metadata[0]), sorted(metadata[1].items())))
        key = derivative_key(path, output, version, material)
        hit = await self.cache.get(key)
        self.metrics.observe_stage("cache", time.perf_counter() - started)
        if hit is not None:
            entry, source = hit
            self.cluster.remember(path.cloud, path.public_id, variant, key, share=False)
        else:
            try:
                (entry, source), led = await self._flights.run(
                    key, lambda: self.cluster.render_once(key, lambda: self._build(key, path, output, version, layers, fetched, fetched_layers, metadata))
                )
            except OriginChanged:
                raise
            except (OriginUnavailable, OriginTimeout) as exc:
                return await self._stale_or_raise(path, variant, output, versioned, exc)
            self.cluster.remember(path.cloud, path.public_id, variant, key, share=source == "render")
            source = source if led else "shared"
        derivative = Derivative(
            entry, _etag(key), output.negotiated, source, versioned, *response_extras(path, entry.media_type), *extras
        )
        # Only public uploads are remembered: for every other type, access (or the original's
        # freshness) depends on more than the path, and is checked on every request.
        if memo_key is not None and path.delivery_type == "upload":
            self._remember(memo_key, key, derivative)
        return derivative

    async def _stale_or_raise(
        self, path: DeliveryPath, variant: str, output: OutputSpec, versioned: bool, error: EdgeError
    ) -> Derivative:
        """stale-if-error: the origin failed, so serve this variant's last good derivative if a tier has it."""
        stale = await self.cluster.last_good(path.cloud, path.public_id, variant)
        if stale is None:
            raise error
        key, entry = stale
        self.metrics.stale_served.inc()
        return Derivative(entry, _etag(key), output.negotiated, "stale", versioned, *response_extras(path, entry.media_type))

    async def invalidate(self, cloud: str, public_id: str) -> None:
        """The original of `public_id` was replaced or deleted: no node serves its old derivatives
        after the message has gone round (milliseconds; the upload and admin APIs call this)."""
        await self.cluster.invalidate(cloud, public_id)

    async def _original(self, path: DeliveryPath) -> tuple[OriginVersion, bytes | None, str | None]:
        """(version, bytes if fetched already, d_ default served instead) of the requested asset:
        from the store (under the type's own folder, see storage_cloud) or, for `fetch`, remote."""
        if path.delivery_type == "fetch":
            if self.remote is None:
                raise NotAllowed("Fetch not allowed - no fetch domains are configured")
            try:
                version, fetched = await self.remote.get(path.cloud, path.public_id, self.limits.max_source_bytes)
                return version, fetched, None
            except ResourceNotFound:
                default, version = await self._default_image(path)
                return version, None, default
        try:
            return await self.origins.locate(_where(path), path.public_id), None, None
        except ResourceNotFound:
            if path.suspect_error:  # `w_abc/x.jpg`: no folder "w_abc", so the width was meant
                raise InvalidTransformation(path.suspect_error) from None
            default, version = await self._default_image(path)
            return version, None, default

    async def _default_image(self, path: DeliveryPath) -> tuple[str, OriginVersion]:
        """d_<public_id>: what to serve when the asset is missing (or re-raise the 404). The
        default is a public upload (as on Cloudinary), whatever the requested type."""
        default = path.chain.last("default_image")
        if default is None:
            raise ResourceNotFound(f"Resource not found - {path.public_id}")
        # Cloudinary writes the default with its format (`d_avatar.png`): the public_id is the stem.
        # (The folder store would also find a file named `avatar.png` exactly; S3 would not.)
        stem, dot, extension = default.rpartition(".")
        candidates = (stem, default) if dot and stem and extension.lower() in _DEFAULT_FORMATS else (default,)
        for public_id in candidates:
            try:
                return public_id, await self.origins.locate(path.cloud, public_id)
            except ResourceNotFound:
                continue
        raise ResourceNotFound(f"Resource not found - {path.public_id} (default image {default} missing too)")

    async def _locate_layers(self, path: DeliveryPath) -> tuple[dict[str, OriginVersion], dict[str, bytes]]:
        """The image layers' originals (l_/u_): a missing one is a 404 that names it. `l_fetch:`
        layers come through the fetch allow-list and guard, with their bytes."""
        found, fetched = {}, {}
        for public_id in sorted(path.chain.layer_ids):
            if public_id.startswith(FETCH_LAYER_PREFIX):
                if self.remote is None:
                    raise NotAllowed("Fetch not allowed - no fetch domains are configured")
                url = public_id[len(FETCH_LAYER_PREFIX):]
                found[public_id], fetched[public_id] = await self.remote.get(path.cloud, url, self.limits.max_source_bytes)
                continue
            try:
                found[public_id] = await self.origins.locate(path.cloud, public_id)
            except ResourceNotFound:
                raise ResourceNotFound(f"Layer not found - {public_id}") from None
        return found, fetched

    async def _metadata(self, path: DeliveryPath) -> tuple[tuple[str, ...], dict[str, str]] | None:
        """The asset's tags and context, when the chain's conditions read them (None otherwise)."""
        if self.asset_metadata is None or not references_metadata(path.chain):
            return None
        return await self.asset_metadata(path.cloud, path.delivery_type, path.public_id)

    async def _build(self, key: str, path: DeliveryPath, output: OutputSpec, version: OriginVersion,
                     layer_versions: Mapping[str, OriginVersion], fetched: bytes | None = None,
                     fetched_layers: Mapping[str, bytes] | None = None,
                     metadata: tuple[tuple[str, ...], dict[str, str]] | None = None) -> CachedDerivative:
        limits = self.limits
        async with self.pool.slot():
            started = time.perf_counter()
            data = fetched if fetched is not None else await self.origins.read(version, limits.max_source_bytes)
            fetched_layers = fetched_layers or {}
            layers = {pid: fetched_layers[pid] if pid in fetched_layers else await self.origins.read(v, limits.max_source_bytes)
                      for pid, v in layer_versions.items()}
            self.metrics.origin_bytes.inc(len(data) + sum(map(len, layers.values())))
            rendered_at = time.perf_counter()
            self.metrics.observe_stage("origin", rendered_at - started)
            plain = untransformed_format(path, version.locator) if fetched is None and not layers else None
            if plain is not None:
                entry = await self.pool.run(original_as_is_sync, data, plain, limits.imaging, timeout=limits.render_timeout)
                if entry is not None:
                    self.cache.put(key, entry)
                    return entry
            abort = Abort()
            try:
                rendered: Rendered = await self.pool.run(
                    render, data, path.chain, output, limits.imaging, abort, layers, *(metadata or ()),
                    timeout=limits.render_timeout, on_timeout=abort.kill,
                )
            except EdgeError:
                self.metrics.renders.labels("error").inc()
                raise
            del data, layers
        self.metrics.renders.labels("ok").inc()
        self.metrics.observe_stage("render", time.perf_counter() - rendered_at)
        self.metrics.observe_stage("encode", rendered.encode_seconds)
        media_type = rendered.media_type or rendered.format.media_type
        entry = CachedDerivative(rendered.data, media_type, rendered.width, rendered.height)
        self.cache.put(key, entry)
        return entry

    async def ready(self) -> None:
        await self.origins.check()

    def detail(self) -> dict[str, str]:
        """Optional dependencies' health for /readyz (they never fail readiness: delivery goes on without them)."""
        return self.cluster.health()


def _where(path: DeliveryPath) -> str:
    return storage_cloud(path.cloud, path.resource_type, path.delivery_type)


def _surrogate_keys(path: DeliveryPath, default: str | None, layers: Mapping[str, OriginVersion]) -> tuple[str, ...]:
    """The requested asset (a missing one too: its upload must purge the placeholder), the
    default image served instead, the image layers, and the cloud."""
    keys = [surrogate_key(path.cloud, path.resource_type, path.delivery_type, path.public_id)]
    if default is not None:
        keys.append(surrogate_key(path.cloud, "image", "upload", default))
    for layer in sorted(layers):
        if layer.startswith(FETCH_LAYER_PREFIX):
            keys.append(surrogate_key(path.cloud, "image", "fetch", layer[len(FETCH_LAYER_PREFIX):]))
        else:
            keys.append(surrogate_key(path.cloud, "image", "upload", layer))
    keys.append(cloud_key(path.cloud))
    return tuple(dict.fromkeys(keys))


def derivative_key(path: DeliveryPath, output: OutputSpec, version: OriginVersion, layers: str = "") -> str:
    """layers: the layer originals' version tokens (a replaced layer makes a new derivative)."""
    parts = (path.cloud, path.resource_type, path.delivery_type, path.public_id, version.token, path.chain.canonical, output.token)
    material = "\0".join((*parts, layers) if layers else parts)
    return hashlib.sha256(material.encode()).hexdigest()[:40]


_DEFAULT_FORMATS = frozenset({"jpg", "jpeg", "png", "webp", "avif", "gif", "bmp", "tif", "tiff", "heic", "heif", "svg", "ico"})
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/avif": "avif",
               "image/gif": "gif", "application/json": "json"}


def response_extras(path: DeliveryPath, media_type: str) -> tuple[str | None, bool]:
    """(Content-Disposition, immutable) for fl_attachment[:name] and fl_immutable_cache."""
    attachment = path.chain.flag_value("attachment")
    immutable = path.chain.has_flag("immutable_cache")
    if attachment is None:
        return None, immutable
    stem = attachment or path.public_id.rsplit("/", 1)[-1]
    filename = f"{stem}.{_EXTENSIONS.get(media_type, 'bin')}".replace('"', "").replace("\\", "")
    return f'attachment; filename="{filename}"', immutable


def _etag(key: str) -> str:
    return f'"{key[:32]}"'
