"""Video work for the delivery and upload services: transcodes in the process pool, stills
(thumbnails, animations) from a frame in the process pool and then the image pipeline.

A still is a video frame handed to `edge.imaging.render` with the image parameters of the
chain, so the whole image vocabulary applies to it (the video parameters chose the frame).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from edge.cache.base import CachedDerivative
from edge.cache.tiered import TieredCache
from edge.concurrency.tasks import BackgroundTasks
from edge.errors import InvalidTransformation
from edge.grammar.chain import Chain, Transformation
from edge.grammar.delivery_path import DeliveryPath
from edge.grammar.params import AUTO_FORMAT
from edge.grammar.values import Colour, CropMode, LayerSource, OutputFormat
from edge.grammar.video_params import VideoComponent, parse_video_component
from edge.imaging.abort import Abort
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.layers import render_text
from edge.imaging.limits import Limits
from edge.imaging.render import Rendered, render
from edge.origins.base import OriginStore, OriginVersion, storage_cloud
from edge.services.purge import cloud_key, surrogate_key
from edge.services.render_pool import RenderPool
from edge.services.transcode_pool import TranscodePool
from edge.services.video_files import VideoFiles
from edge.video import hls, jobs
from edge.video.limits import VideoLimits
from edge.video.plan import CONTAINERS, MEDIA_TYPES, LayerGroup, layer_groups, make_plan, merged_options, trim
from edge.video.probe import VideoInfo

T = TypeVar("T")
MAX_INFOS = 4096  # probed originals remembered (a few hundred bytes each)


def _text_png(layer: LayerSource, first: Transformation, max_pixels: int) -> tuple[bytes, int, int]:
    """Blocking (a render thread): the text of `l_text:...` with `co_`/`b_`, as PNG with alpha."""
    style = layer.style
    assert style is not None and layer.text is not None
    wrap = round(first.width.value) if _wraps(first) and first.width is not None else None
    image = render_text(
        layer.text, style.font, style.size, bold=style.bold, italic=style.italic, underline=style.underline,
        strikethrough=style.strikethrough, align=style.align, letter_spacing=style.letter_spacing,
        line_spacing=style.line_spacing, colour=first.colour or Colour(0, 0, 0),
        background=first.background if isinstance(first.background, Colour) else None, max_pixels=max_pixels,
        wrap_width=wrap,
    )
    return image.pngsave_buffer(compression=1), image.width, image.height


def _wraps(first: Transformation) -> bool:
    """c_fit with a pixel width on a text layer wraps the text at that width (Cloudinary's captions)."""
    return first.crop is CropMode.FIT and first.width is not None and not first.width.relative


def image_chain(components: Sequence[VideoComponent]) -> Chain:
    """The image parameters of a video chain, component by component (an empty one does nothing)."""
    return Chain(tuple(c.image for c in components))


@dataclass(frozen=True, slots=True)
class VideoLimitsBundle:
    video: VideoLimits
    image: Limits
    render_timeout: float


class VideoWork:
    def __init__(self, transcodes: TranscodePool, renders: RenderPool, limits: VideoLimitsBundle) -> None:
        self.transcodes, self.renders, self.limits = transcodes, renders, limits

    async def probe(self, source: str) -> VideoInfo:
        return await self.transcodes.run(jobs.probe_file, source, self.limits.video)

    async def transcode(self, source: str, components: Sequence[VideoComponent], container: str,
                        destination: str, overlays: Sequence[tuple[bytes, int, int]] = ()) -> jobs.TranscodeJob:
        return await self.transcodes.run(jobs.transcode_file, source, tuple(components), container, destination,
                                         self.limits.video, tuple(overlays))

    async def still(self, source: str, components: Sequence[VideoComponent], output: OutputSpec,
                    layers: Mapping[str, bytes] | None = None) -> Rendered:
        image = self.limits.image
        data = await self.transcodes.run(jobs.still_source, source, tuple(components), output.format, image.max_frames,
                                         image.max_source_pixels, self.limits.video)
        return await self._render(data, image_chain(components), output, layers or {})

    async def layer(self, data: bytes, own: Sequence[Transformation]) -> tuple[bytes, int, int]:
        """An image layer for a video, rendered by the image pipeline: (PNG with alpha, width, height)."""
        rendered = await self._render(data, Chain(tuple(own)), OutputSpec(OutputFormat.PNG), {})
        return rendered.data, rendered.width, rendered.height

    async def text_layer(self, group: LayerGroup) -> tuple[bytes, int, int]:
        """A text layer: drawn by the image code (Pango), then the group's further components."""
        assert group.text is not None
        first = group.own[0]
        async with self.renders.slot():
            drawn = await self.renders.run(_text_png, group.text, first, self.limits.image.max_source_pixels,
                                           timeout=self.limits.render_timeout)
        sizing = dataclasses.replace(first, colour=None, background=None)
        if _wraps(first):
            sizing = dataclasses.replace(sizing, width=None, crop=None)  # the width wrapped the text already
        rest = tuple(t for t in (sizing, *group.own[1:]) if t != Transformation(canonical=t.canonical))
        return await self.layer(drawn[0], rest) if rest else drawn

    async def _render(self, data: bytes, chain: Chain, output: OutputSpec, layers: Mapping[str, bytes]) -> Rendered:
        abort = Abort()
        async with self.renders.slot():
            return await self.renders.run(render, data, chain, output, self.limits.image, abort, layers,
                                          timeout=self.limits.render_timeout, on_timeout=abort.kill)


# --- delivery --------------------------------------------------------------------------------

ORIGINAL_MEDIA_TYPES = {
    "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "mkv": "video/x-matroska",
    "avi": "video/x-msvideo", "ogv": "video/ogg", "flv": "video/x-flv", "3gp": "video/3gpp", "gif": "image/gif",
    "m4a": "audio/mp4", "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "opus": "audio/ogg", "flac": "audio/flac",
}


@dataclass(frozen=True, slots=True)
class VideoAnswer:
    etag: str
    media_type: str
    versioned: bool
    source: str  # disk | transcode | original | memory | disk | redis | render (stills: the image tiers)
    negotiated: bool = False  # f_auto chose the container by User-Agent: Vary: User-Agent
    file: Path | None = None  # a video, served from disk with byte ranges
    size: int = 0
    still: CachedDerivative | None = None  # a thumbnail or animation, as bytes
    surrogate_keys: tuple[str, ...] = ()
    pending: bool = False  # a long transcode started in the background: 202, ask again later


@dataclass(frozen=True, slots=True)
class _Output:
    kind: str  # still | video | original
    container: str | None = None
    image: OutputSpec | None = None
    negotiated: bool = False

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.container or ''}:{self.image.token if self.image else ''}"


def plays_webm(user_agent: str) -> bool:
    """f_auto for video: VP9 in WebM for Chrome, Firefox and Chromium-based browsers, else H.264
    in MP4 (Safari and everything unknown), as Cloudinary describes its f_auto for video."""
    agent = user_agent.lower()
    return ("chrome/" in agent or "firefox/" in agent or "chromium/" in agent) and "edge/" not in agent


def choose_output(path: DeliveryPath, accept: str, user_agent: str) -> _Output:
    options = merged_options(path.video_components)
    requested = path.requested_format  # f_<image format> or an image extension; "auto" for f_auto
    if options.video_format is None and isinstance(requested, OutputFormat):
        chain = path.chain
        return _Output("still", image=negotiate(requested, chain.last("quality"), chain.flags, accept))
    container = options.video_format or (path.extension if path.extension in CONTAINERS or path.extension == "m3u8" else None)
    if container == "m3u8":
        return _Output("master" if options.streaming_profile is not None else "playlist", "m3u8")
    if container is None and requested == AUTO_FORMAT:
        return _Output("video", "webm" if plays_webm(user_agent) else "mp4", negotiated=True)
    if container is None:
        return _Output("original") if not path.video_components else _Output("video", "mp4")
    return _Output("video", container)


def _canonical(path: DeliveryPath) -> list[str]:
    return [c.image.canonical for c in path.video_components]


def _without_profile(component: VideoComponent) -> str:
    return ",".join(t for t in component.image.canonical.split(",") if not t.startswith("sp_"))


def _url(path: DeliveryPath, components: list[str], extension: str) -> str:
    """A delivery URL (absolute path) of the same asset with other components."""
    version = [f"v{path.version}"] if path.version is not None else []
    parts = [path.cloud, "video", path.delivery_type, *components, *version,
             urllib.parse.quote(path.public_id, safe="/") + "." + extension]
    return "/" + "/".join(parts)


class _Flight:
    """One build shared by every request for its key; cancelled when the last of them is gone."""

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        self.waiters = 0
        self.detached = False  # a background build (202): never cancelled for want of waiters


async def _quietly(task: asyncio.Task[Any]) -> None:
    """Await a build for the background task set; its failure is logged there, then forgotten."""
    await asyncio.shield(task)


class VideoDelivery:
    def __init__(self, origins: OriginStore, cache: TieredCache, work: VideoWork, files: VideoFiles,
                 max_source_bytes: int, sync_max_seconds: float = float("inf")) -> None:
        self.origins, self.cache, self.work, self.files = origins, cache, work, files
        self.max_source_bytes = max_source_bytes
        self.sync_max_seconds = sync_max_seconds
        self._flights: dict[str, _Flight] = {}
        self._background = BackgroundTasks("video transcode")
        self._infos: OrderedDict[str, VideoInfo] = OrderedDict()  # by original version: probed once

    async def info(self, version: OriginVersion, local: Path) -> VideoInfo:
        """What an original is (a probe in the pool, once per version of it)."""
        key = f"{version.locator}\0{version.token}"
        found = self._infos.get(key)
        if found is None:
            found = await self.work.probe(str(local))
            self._infos[key] = found
            while len(self._infos) > MAX_INFOS:
                self._infos.popitem(last=False)
        self._infos.move_to_end(key)
        return found

    async def get(self, path: DeliveryPath, accept: str = "", user_agent: str = "") -> VideoAnswer:
        output = choose_output(path, accept, user_agent)
        where = storage_cloud(path.cloud, "video", path.delivery_type)
        version = await self.origins.locate(where, path.public_id)
        original_extension = PurePosixPath(version.locator).suffix.lstrip(".").lower()
        if output.kind == "video" and not path.video_components and output.container == original_extension:
            output = _Output("original")  # dog.mp4 of an MP4 upload: the file as uploaded
        groups = layer_groups(path.video_components) if output.kind != "original" else ()
        layer_ids = sorted({g.public_id for g in groups if g.public_id is not None}
                           | set(path.chain.layer_ids if output.kind == "still" else ()))
        layers = {pid: await self.origins.locate(path.cloud, pid) for pid in layer_ids}  # image uploads
        material = "\0".join(("video", where, path.public_id, version.token, path.chain.canonical, output.token,
                               *(f"{pid}={v.token}" for pid, v in layers.items())))
        key = hashlib.sha256(material.encode()).hexdigest()[:40]
        keys = (surrogate_key(path.cloud, "video", path.delivery_type, path.public_id), cloud_key(path.cloud))
        common = {"etag": f'"{key[:32]}"', "versioned": path.version is not None, "negotiated": output.negotiated,
                  "surrogate_keys": keys}

        async def original() -> Path:
            return await self.files.original(version, original_extension,
                                             lambda: self.origins.read(version, self.max_source_bytes))

        if output.kind == "original":
            source = await original()
            size = await self.files.lookup(source) or 0
            media_type = ORIGINAL_MEDIA_TYPES.get(original_extension, "application/octet-stream")
            return VideoAnswer(media_type=media_type, source="original", file=source, size=size, **common)
        if output.kind in ("master", "playlist"):
            found = await self.cache.get(key)
            if found is not None:
                return VideoAnswer(media_type=found[0].media_type, source=found[1], still=found[0], **common)
            entry = await self._shared(key, lambda: self._build_playlist(key, path, output, version, original))
            return VideoAnswer(media_type=entry.media_type, source="render", still=entry, **common)
        if output.kind == "still":
            found = await self.cache.get(key)
            if found is not None:
                return VideoAnswer(media_type=found[0].media_type, source=found[1], still=found[0], **common)
            entry = await self._shared(key, lambda: self._build_still(key, path, output, original, layers))
            return VideoAnswer(media_type=entry.media_type, source="render", still=entry, **common)
        assert output.container is not None
        final = self.files.derived_path(key, output.container)
        size = await self.files.lookup(final)
        source = "disk"
        if size is None:
            def build() -> Awaitable[int]:
                return self._build_video(path, output.container, final, original, groups, layers)

            if key in self._flights and self._flights[key].detached or await self._too_long(path, version, original):
                self._detach(key, build)
                return VideoAnswer(media_type=MEDIA_TYPES[output.container], source="pending", pending=True, **common)
            size = await self._shared(key, build)
            source = "transcode"
        return VideoAnswer(media_type=MEDIA_TYPES[output.container], source=source, file=final, size=size, **common)

    async def _build_still(self, key: str, path: DeliveryPath, output: _Output,
                           original: Callable[[], Awaitable[Path]], layers: Mapping[str, OriginVersion]) -> CachedDerivative:
        assert output.image is not None
        source = await original()
        originals = {pid: await self.origins.read(v, self.max_source_bytes) for pid, v in layers.items()}
        rendered = await self.work.still(str(source), path.video_components, output.image, originals)
        entry = CachedDerivative(rendered.data, rendered.media_type or rendered.format.media_type, rendered.width,
                                 rendered.height)
        self.cache.put(key, entry)
        return entry

    async def _build_playlist(self, key: str, path: DeliveryPath, output: _Output, version: OriginVersion,
                              original: Callable[[], Awaitable[Path]]) -> CachedDerivative:
        info = await self.info(version, await original())
        options = merged_options(path.video_components)
        if output.kind == "master":
            text = self._master(path, info, options.streaming_profile or "auto")
        else:
            plan = make_plan(path.video_components, info, "ts", self.work.limits.video,  # 400s before any segment
                             [(1, 1)] * len(layer_groups(path.video_components)))
            pieces = hls.segments(plan.start, plan.end)
            text = hls.media_playlist([(a, b, _url(path, [*_canonical(path), hls.segment_component(a, b)], "ts"))
                                       for a, b in pieces])
        entry = CachedDerivative(text.encode(), hls.PLAYLIST_MEDIA_TYPE, 0, 0)
        self.cache.put(key, entry)
        return entry

    def _master(self, path: DeliveryPath, info: VideoInfo, profile: str) -> str:
        if not info.has_video:
            raise InvalidTransformation("Invalid transformation - an audio file has no picture to stream")
        prefix = [text for text in (_without_profile(c) for c in path.video_components) if text]
        base = [c for c in path.video_components if c.video.streaming_profile is None]
        variants = []
        for rung in hls.renditions(profile, info.display_height):
            component = parse_video_component(rung.transformation)
            plan = make_plan([*base, component], info, "ts", self.work.limits.video, [(1, 1)] * len(layer_groups(base)))
            variants.append((rung, plan.width, plan.height, _url(path, [*prefix, rung.transformation], "m3u8")))
        return hls.master_playlist(variants, info.has_audio)

    async def _build_video(self, path: DeliveryPath, container: str, final: Path, original: Callable[[], Awaitable[Path]],
                           groups: Sequence[LayerGroup], layers: Mapping[str, OriginVersion]) -> int:
        source = await original()
        overlays = [await self.work.text_layer(g) if g.public_id is None else
                    await self.work.layer(await self.origins.read(layers[g.public_id], self.max_source_bytes), g.own)
                    for g in groups]
        temp = self.files.temp_path(container)
        try:
            job = await self.work.transcode(str(source), path.video_components, container, str(temp), overlays)
            stats = self.work.transcodes.stats
            stats.frames, stats.bytes = stats.frames + job.result.frames, stats.bytes + job.result.bytes
            return await self.files.commit(temp, final)
        except BaseException:
            await asyncio.shield(self.files.discard(temp))
            raise

    async def _too_long(self, path: DeliveryPath, version: OriginVersion, original: Callable[[], Awaitable[Path]]) -> bool:
        """Is the span to transcode longer than a request should wait for?"""
        if self.sync_max_seconds == float("inf"):
            return False
        info = await self.info(version, await original())
        start, end = trim(merged_options(path.video_components), info.duration)
        return (end - start) > self.sync_max_seconds

    def _detach(self, key: str, build: Callable[[], Awaitable[Any]]) -> None:
        """Start (once) a build nobody waits for: it runs to the end whoever leaves."""
        if key in self._flights:
            self._flights[key].detached = True
            return
        flight = _Flight(asyncio.ensure_future(build()))
        flight.detached = True
        self._flights[key] = flight
        flight.task.add_done_callback(lambda task: self._landed(key, flight, task))
        self._background.spawn(_quietly(flight.task))

    async def drain(self) -> None:
        await self._background.drain()

    async def _shared(self, key: str, build: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is None:
            flight = _Flight(asyncio.ensure_future(build()))
            self._flights[key] = flight
            flight.task.add_done_callback(lambda task: self._landed(key, flight, task))
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done() and not flight.detached:
                flight.task.cancel()  # every client went away: the pool kills the transcoder

    def _landed(self, key: str, flight: _Flight, task: asyncio.Task[Any]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved: a failure with nobody left waiting is not "never retrieved"

    def in_flight(self) -> int:
        return len(self._flights)
