"""The Upload API for `resource_type=video`: upload (also chunked, `upload_large`) and destroy.

A video is probed in the transcode pool before it is accepted (limits from the header: bytes,
duration, pixels; an unreadable file is refused), stored as sent under
`<cloud>@video.<type>/`, and described with the fields the SDK returns for videos
(`duration`, `frame_rate`, `bit_rate`, `video`, `audio`, `is_audio`, `rotation`, `nb_frames`).
Authorisation, presets, file reading and notifications are the other uploads' own (Intake,
Notices: one rule, one place).
Videos are not in the catalog yet: the Admin API, search and tags do not list them.
"""

from __future__ import annotations

import re
import urllib.parse
import secrets
import time
from pathlib import PurePosixPath
from typing import Any

from edge.concurrency.tasks import BackgroundTasks
from edge.errors import InvalidParameter, InvalidVideo, ResourceNotFound, SourceTooLarge
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.video_params import VIDEO_EXTENSIONS, parse_video_component
from edge.origins.base import storage_cloud
from edge.services.assets import Params, WritableOrigins, eager_entries, now_iso, random_id, stored_type, truthy, valid_public_id
from edge.services.chunks import upload_chunk
from edge.services.intake import Call, FileInput, Intake, md5_hex, original_filename, public_id_for
from edge.services.notices import Notices
from edge.services.raw_upload import destroy_file
from edge.services.video import VideoDelivery, VideoWork
from edge.services.video_files import VideoFiles
from edge.signing import api_signature
from edge.video.probe import VideoInfo

# The demuxer FFmpeg found -> the extension we keep (the upload's own name wins when it fits).
_FORMATS = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("mp4", ("mp4", "mov", "m4v", "m4a", "3gp")),
    "matroska,webm": ("mkv", ("webm", "mkv")),
    "avi": ("avi", ("avi",)),
    "gif": ("gif", ("gif",)),
    "mp3": ("mp3", ("mp3",)),
    "wav": ("wav", ("wav",)),
    "ogg": ("ogg", ("ogg", "ogv", "opus")),
    "flv": ("flv", ("flv",)),
    "mpegts": ("ts", ("ts",)),
    "flac": ("flac", ("flac",)),
}
_WEBM_CODECS = ("vp8", "vp9", "av1", None)


def video_format(info: VideoInfo, filename: str) -> str:
    default, names = _FORMATS.get(info.format, (info.format.split(",")[0], ()))
    extension = PurePosixPath(filename).suffix.lstrip(".").lower()
    if extension in names:
        return extension
    if info.format == "matroska,webm" and info.video_codec in _WEBM_CODECS and info.audio_codec in ("opus", "vorbis", None):
        return "webm"
    return default


def describe_video(info: VideoInfo) -> dict[str, Any]:
    """The upload response's media fields, as Cloudinary names them."""
    body: dict[str, Any] = {
        "width": info.display_width,
        "height": info.display_height,
        "pages": 0,
        "is_audio": not info.has_video,
        "frame_rate": info.frame_rate,
        "bit_rate": info.bit_rate,
        "duration": round(info.duration, 6),
        "rotation": info.rotation,
        "nb_frames": info.nb_frames,
    }
    if info.has_video:
        width, height = info.display_width, info.display_height
        divisor = _gcd(width, height) or 1
        body["video"] = {
            "pix_format": info.pix_format, "codec": info.video_codec, "level": info.video_level,
            "profile": info.video_profile, "bit_rate": str(info.video_bit_rate), "time_base": info.time_base,
            "dar": f"{width // divisor}:{height // divisor}",
        }
    if info.has_audio:
        body["audio"] = {
            "codec": info.audio_codec, "bit_rate": str(info.audio_bit_rate), "frequency": info.audio_frequency,
            "channels": info.audio_channels, "channel_layout": info.channel_layout,
        }
    return body


def eager_video_items(value: Any) -> list[tuple[str, str | None]]:
    """`c_scale,w_160/webm|so_0,du_2/mp4` -> [("c_scale,w_160", "webm"), ("du_2,so_0", "mp4")], each
    component validated (400) and written canonically."""
    items = []
    for raw, head, last in eager_entries(value):
        transformation, extension = (head, last) if last in VIDEO_EXTENSIONS else (raw, None)
        components = [parse_video_component(segment) for segment in transformation.split("/") if segment]
        items.append(("/".join(c.image.canonical for c in components), extension))
    return items


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


class VideoUploads:
    def __init__(self, intake: Intake, origins: WritableOrigins, notices: Notices, work: VideoWork, files: VideoFiles,
                 max_bytes: int, delivery: VideoDelivery | None = None) -> None:
        self.intake, self.origins, self.notices, self.work, self.files = intake, origins, notices, work, files
        self.max_bytes = max_bytes
        self.delivery = delivery  # eager transformations are made through delivery: same keys, same files
        self._later = BackgroundTasks("video eager_async")

    async def drain(self) -> None:
        """Wait for eager_async transcodes (shutdown, tests)."""
        await self._later.drain()

    async def upload(self, cloud: str, params: Params, file: FileInput, base_url: str) -> dict[str, Any]:
        call, data, filename = await self.intake.take(cloud, params, file)
        return await self._store(cloud, call, data, filename, base_url)

    async def _store(self, cloud: str, call: Call, data: bytes, filename: str, base_url: str) -> dict[str, Any]:
        options, api_key = call.options, call.api_key
        if len(data) > self.max_bytes:
            raise SourceTooLarge(f"File size too large - {len(data)} bytes (max {self.max_bytes})")
        type_ = stored_type(options.get("type"))
        public_id = valid_public_id(public_id_for(options, filename))
        eager = eager_video_items(options.get("eager"))  # a bad one is a 400 before anything is stored
        where = storage_cloud(cloud, "video", type_)
        incoming = await self.files.write_temp(data, "upload")
        try:
            info = await self.work.probe(str(incoming))  # 413 here, before anything is stored
        except InvalidVideo as exc:  # as for images: an upload of an unreadable file is a 400
            raise InvalidParameter(f"Invalid video file - {exc.public_message}") from None
        finally:
            await self.files.discard(incoming)
        fmt = video_format(info, filename)
        previous = await self._existing(where, public_id)
        if previous is not None and not call.overwrite():
            body = await self._describe_stored(cloud, type_, public_id, previous, base_url, api_key.secret)
            return {**body, "existing": True}
        version = int(time.time())
        staged = await self.origins.stage(where, public_id, fmt, data, version * 10**9 + secrets.randbelow(10**9))
        await self.origins.publish(staged)
        self.origins.forget(where, public_id)  # a "not found" looked up before must not hide it
        body = self._body(cloud, type_, public_id, version, fmt, len(data), info, base_url, api_key.secret)
        body.update({"etag": await md5_hex(data), "original_filename": original_filename(filename), "api_key": api_key.key})
        if previous is not None:
            body["overwritten"] = True
            self.notices.invalidate(options, cloud, [("video", type_, public_id)], "overwrite", api_key.secret)
        if eager and truthy(options.get("eager_async")):
            self._later.spawn(self._eager_later(cloud, type_, public_id, version, fmt, eager, base_url, call))
            body["eager"] = []
        elif eager:
            body["eager"] = await self._eager(cloud, type_, public_id, version, fmt, eager, base_url)
        await self.notices.notify(options, body, api_key, "upload")
        return body

    async def _eager(self, cloud: str, type_: str, public_id: str, version: int, fmt: str,
                     items: list[tuple[str, str | None]], base_url: str) -> list[dict[str, Any]]:
        """Each eager transformation made now, through delivery (so a later GET is a disk hit)."""
        if self.delivery is None:
            raise InvalidParameter("Eager transformations need video delivery on this node")
        done = []
        for transformation, extension in items:
            extension = extension or fmt
            tail = f"{transformation}/v{version}/{urllib.parse.quote(public_id, safe='/')}.{extension}"
            answer = await self.delivery.get(parse_delivery_path(f"/{cloud}/video/{type_}/{tail}"))
            size = answer.size if answer.still is None else len(answer.still.data)
            url = f"{base_url}/{cloud}/video/{type_}/{tail}"
            done.append({"transformation": transformation, "format": extension, "bytes": size, "url": url,
                         "secure_url": url})
        return done

    async def _eager_later(self, cloud: str, type_: str, public_id: str, version: int, fmt: str,
                           items: list[tuple[str, str | None]], base_url: str, call: Call) -> None:
        eager = await self._eager(cloud, type_, public_id, version, fmt, items, base_url)
        url = call.options.get("eager_notification_url") or call.options.get("notification_url")
        payload = {"public_id": public_id, "resource_type": "video", "type": type_, "eager": eager}
        await self.notices.notify({"notification_url": url}, payload, call.api_key, "eager")

    async def upload_part(self, cloud: str, params: Params, file: FileInput, base_url: str, upload_id: str,
                          content_range: str) -> dict[str, Any]:
        """The SDK's upload_large: chunks with Content-Range and X-Unique-Upload-Id; the last one
        to arrive uploads the whole file (the same protocol as for images and raw files)."""
        call = await self.intake.authorise(cloud, params)
        return await upload_chunk(self.origins, f"{cloud}\0video\0{upload_id}", params, file, content_range,
                                  self.max_bytes, lambda whole: self._store(cloud, call, whole, file.filename, base_url))

    async def destroy(self, cloud: str, params: Params) -> dict[str, Any]:
        return await destroy_file(self.intake, self.origins, self.notices, cloud, params, "video")

    async def _existing(self, where: str, public_id: str) -> Any:
        try:
            return await self.origins.locate(where, public_id)
        except ResourceNotFound:
            return None

    async def _describe_stored(self, cloud: str, type_: str, public_id: str, version: Any, base_url: str,
                               secret: str) -> dict[str, Any]:
        fmt = PurePosixPath(version.locator).suffix.lstrip(".")
        local = await self.files.original(version, fmt, lambda: self.origins.read(version, self.max_bytes))
        info = await self.work.probe(str(local))
        head = str(version.token).partition("-")[0]  # the folder store's token: "<mtime_ns hex>-<size hex>"
        stamp = int(head, 16) // 10**9 if re.fullmatch(r"[0-9a-f]{1,20}", head) else int(time.time())
        return self._body(cloud, type_, public_id, stamp, fmt, version.size, info, base_url, secret)

    def _body(self, cloud: str, type_: str, public_id: str, version: int, fmt: str, size: int, info: VideoInfo,
              base_url: str, secret: str) -> dict[str, Any]:
        url = f"{base_url}/{cloud}/video/{type_}/v{version}/{public_id}.{fmt}"
        folder = public_id.rpartition("/")[0]
        return {
            "asset_id": random_id(32), "public_id": public_id, "version": version, "version_id": random_id(32),
            "format": fmt, "resource_type": "video", "created_at": now_iso(), "tags": [], "bytes": size,
            "type": type_, "placeholder": False, "url": url, "secure_url": url, "folder": folder,
            "asset_folder": folder, **describe_video(info),
            "signature": api_signature({"public_id": public_id, "version": str(version)}, secret, "sha1", 1),
        }


