"""The video services built from settings: the transcode pool, the file cache, delivery and uploads."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry

from edge.cache.tiered import TieredCache
from edge.imaging.limits import Limits
from edge.origins.base import OriginStore
from edge.services.render_pool import RenderPool
from edge.services.transcode_pool import PoolCollector, TranscodePool
from edge.services.upload import Uploads
from edge.services.video import VideoDelivery, VideoLimitsBundle, VideoWork
from edge.services.video_files import VideoFiles
from edge.services.video_upload import VideoUploads
from edge.settings import Settings
from edge.video.limits import VideoLimits


@dataclass
class VideoServices:
    delivery: VideoDelivery
    uploads: VideoUploads | None
    transcodes: TranscodePool

    async def close(self) -> None:
        """Background work first (eager_async, 202 builds), then any transcoder still running."""
        if self.uploads is not None:
            await self.uploads.drain()
        await self.delivery.drain()
        await self.transcodes.close()


async def open_video(settings: Settings, origins: OriginStore, cache: TieredCache, renders: RenderPool,
                     uploads: Uploads | None, registry: CollectorRegistry) -> VideoServices:
    video = settings.video
    limits = VideoLimits(
        max_source_bytes=video.max_source_bytes, max_duration=video.max_duration_seconds, max_pixels=video.max_pixels,
        max_output_bytes=video.max_output_bytes, max_cpu_seconds=video.cpu_seconds,
    )
    transcodes = TranscodePool(video.workers, video.queue, cpu_seconds=video.cpu_seconds,
                               max_file_bytes=max(video.max_output_bytes, video.max_source_bytes) + 2**20,
                               timeout=video.timeout_seconds)
    image = Limits(settings.limits.max_source_pixels, settings.limits.max_output_dimension, settings.transformations.max_frames)
    work = VideoWork(transcodes, renders, VideoLimitsBundle(limits, image, settings.render.timeout_seconds))
    files = VideoFiles(Path(settings.cache.dir or "./var/cache").resolve() / "video", video.cache_bytes)
    await asyncio.get_running_loop().run_in_executor(None, files.open_sync)
    registry.register(PoolCollector(transcodes.stats))
    delivery = VideoDelivery(origins, cache, work, files, video.max_source_bytes, video.sync_max_seconds)
    video_uploads = None
    if uploads is not None:
        video_uploads = VideoUploads(uploads.intake, uploads.store.origins, uploads.notices, work, files,
                                     min(video.max_source_bytes, settings.api.max_upload_bytes), delivery)
    return VideoServices(delivery, video_uploads, transcodes)
