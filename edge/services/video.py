"""Video work for the delivery and upload services: transcodes in the process pool, stills
(thumbnails, animations) from a frame in the process pool and then the image pipeline.

A still is a video frame handed to `edge.imaging.render` with the image parameters of the
chain, so the whole image vocabulary applies to it (the video parameters chose the frame).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.grammar.chain import Chain
from edge.grammar.video_params import VideoComponent
from edge.imaging.abort import Abort
from edge.imaging.encode import OutputSpec
from edge.imaging.limits import Limits
from edge.imaging.render import Rendered, render
from edge.services.render_pool import RenderPool
from edge.services.transcode_pool import TranscodePool
from edge.video import jobs
from edge.video.limits import VideoLimits
from edge.video.probe import VideoInfo


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
                        destination: str) -> jobs.TranscodeJob:
        return await self.transcodes.run(jobs.transcode_file, source, tuple(components), container, destination,
                                         self.limits.video)

    async def still(self, source: str, components: Sequence[VideoComponent], output: OutputSpec) -> Rendered:
        image = self.limits.image
        data = await self.transcodes.run(jobs.still_source, source, tuple(components), output.format, image.max_frames,
                                         image.max_source_pixels, self.limits.video)
        abort = Abort()
        async with self.renders.slot():
            return await self.renders.run(render, data, image_chain(components), output, image, abort,
                                          timeout=self.limits.render_timeout, on_timeout=abort.kill)
