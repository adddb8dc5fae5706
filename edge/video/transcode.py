"""transcode(): run a VideoPlan with PyAV, file in -> file out. Synchronous; call it from a
process of the transcode pool (edge/services/transcode_pool.py), never on the event loop.

One pass over the source's packets, in file order: decode -> (trim, re-time) -> FFmpeg filter
graph (rotate, scale/crop/pad, frame rate, fades) -> encode -> mux. e_reverse and e_boomerang
hold the filtered frames (bounded by the plan's check); e_loop muxes the encoded packets of
the first play again, shifted in time, instead of encoding the same frames again.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import av.filter

from edge.errors import InvalidVideo, OutputTooLarge
from edge.video.limits import VideoLimits
from edge.video.plan import Crop, Overlay, Pad, Scale, VideoPlan

ENCODERS = {"h264": "libx264", "h265": "libx265", "vp9": "libvpx-vp9", "av1": "libsvtav1", "aac": "aac", "opus": "libopus"}
MUXERS = {"mp4": "mp4", "mov": "mov", "webm": "webm", "ts": "mpegts"}
# Fast presets: CPU is what a transcode costs (benchmarks/video.py measures them).
ENCODER_OPTIONS = {
    "h264": {"preset": "ultrafast"},
    "h265": {"preset": "ultrafast", "x265-params": "log-level=error"},
    "vp9": {"deadline": "realtime", "cpu-used": "8", "row-mt": "1", "lag-in-frames": "0"},
    "av1": {"preset": "12"},
}
_TIME_BASE = Fraction(1, 1_000_000)


@dataclass(frozen=True, slots=True)
class Transcoded:
    bytes: int
    frames: int
    width: int
    height: int
    duration: float


def transcode(source: str | os.PathLike[str], plan: VideoPlan, destination: str | os.PathLike[str],
              limits: VideoLimits = VideoLimits(), overlays: tuple[bytes, ...] = ()) -> Transcoded:
    """overlays: the images the plan's Overlay ops draw (PNG, usually with alpha), by index."""
    try:
        pictures = tuple(_picture(data) for data in overlays)
        with av.open(os.fspath(source), metadata_errors="ignore") as inp:
            options = {"movflags": "+faststart"} if plan.container in ("mp4", "mov") else {}
            with av.open(os.fspath(destination), "w", format=MUXERS[plan.container], options=options) as out:
                job = _Job(inp, out, plan, limits, pictures)
                job.run()
        return Transcoded(os.path.getsize(destination), job.frames_out, plan.width, plan.height, plan.duration)
    except av.FFmpegError as exc:
        raise InvalidVideo("Unreadable video", detail=str(exc)) from None


def _picture(data: bytes) -> av.VideoFrame:
    with av.open(io.BytesIO(data)) as container:
        return next(container.decode(video=0)).reformat(format="rgba")


class _Job:
    def __init__(self, inp: av.container.InputContainer, out: av.container.OutputContainer, plan: VideoPlan,
                 limits: VideoLimits, overlays: tuple[av.VideoFrame, ...] = ()) -> None:
        self.inp, self.out, self.plan, self.limits, self.overlays = inp, out, plan, limits, overlays
        self.video_in = inp.streams.video[0] if plan.video_codec and inp.streams.video else None
        self.audio_in = inp.streams.audio[0] if plan.audio_codec and inp.streams.audio else None
        self.video_out = self._video_stream() if self.video_in is not None else None
        self.audio_out = self._audio_stream() if self.audio_in is not None else None
        self.video_graph: av.filter.Graph | None = None
        self.audio_graph: av.filter.Graph | None = None
        self.held: list[av.VideoFrame] = []  # e_reverse / e_boomerang
        self.kept: list[tuple[int, bytes, int | None, int | None, int | None, bool, Fraction]] = []  # e_loop
        self.frames_out = 0
        self.bytes_out = 0

    # --- streams ------------------------------------------------------------------------------
    def _video_stream(self) -> av.video.stream.VideoStream:
        plan = self.plan
        rate = Fraction(plan.frame_rate).limit_denominator(1001)
        stream = self.out.add_stream(ENCODERS[plan.video_codec], rate=rate)  # type: ignore[index]
        stream.width, stream.height, stream.pix_fmt = plan.width, plan.height, "yuv420p"
        stream.codec_context.thread_count = 1  # the pool's processes are the parallelism
        if plan.keyframe_interval:
            stream.codec_context.gop_size = max(1, round(plan.keyframe_interval * plan.frame_rate))
        options = dict(ENCODER_OPTIONS[plan.video_codec])  # type: ignore[index]
        if plan.bit_rate:
            stream.bit_rate = plan.bit_rate
        else:
            options["crf"] = str(plan.crf)
            if plan.video_codec == "vp9":
                stream.bit_rate = 0  # libvpx: constant quality needs b:v 0
        if plan.video_codec == "h265":
            stream.codec_tag = "hvc1"  # what Apple players want in MP4/MOV
        stream.options = options
        return stream

    def _audio_stream(self) -> av.audio.stream.AudioStream:
        source = self.audio_in.codec_context  # type: ignore[union-attr]
        rate = 48000 if self.plan.audio_codec == "opus" else (source.sample_rate or 48000)
        stream = self.out.add_stream(ENCODERS[self.plan.audio_codec], rate=rate)  # type: ignore[index]
        stream.layout = "mono" if source.channels == 1 else "stereo"
        return stream

    # --- the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        plan = self.plan
        streams = [s for s in (self.video_in, self.audio_in) if s is not None]
        for stream in streams:
            stream.thread_count = 1
        if plan.start > 1.0:
            try:
                self.inp.seek(int(max(0.0, plan.start - 0.5) / _TIME_BASE), backward=True)
            except av.FFmpegError:
                self.inp.seek(0)
        done = {s.index: False for s in streams}
        for packet in self.inp.demux(*streams):  # ends with empty packets that drain the decoders
            if done[packet.stream.index]:
                if all(done.values()):
                    break
                continue
            for frame in packet.decode():
                if frame.time is None:
                    continue
                if frame.time >= plan.end:
                    done[packet.stream.index] = True
                    break
                if isinstance(frame, av.VideoFrame):
                    self._video_frame(frame)
                else:
                    self._audio_frame(frame)
        self._finish_video()
        self._finish_audio()
        self._repeat()

    def _video_frame(self, frame: av.VideoFrame) -> None:
        if frame.time < self.plan.start - 0.5 / max(self.plan.frame_rate, 1):
            return
        if self.video_graph is None:
            self.video_graph = self._build_video_graph(frame)
        frame.pts = round((frame.time - self.plan.start) / self.plan.speed / _TIME_BASE)
        frame.time_base = _TIME_BASE
        self.video_graph.push(frame, at=0)  # source 0 is the video; the others are overlay images
        self._pull_video()

    def _pull_video(self) -> None:
        for frame in _pull(self.video_graph):
            if self.plan.reverse or self.plan.boomerang:
                self.held.append(frame)
            else:
                self._encode_video(frame)

    def _finish_video(self) -> None:
        if self.video_out is None:
            return
        if self.video_graph is not None:
            self.video_graph.push(None, at=0)
            self._pull_video()
        if self.held:
            order = self.held[::-1] if self.plan.reverse else self.held + self.held[::-1]
            fades = self._fade_graph(order[0]) if self.plan.fade_in or self.plan.fade_out else None
            for index, frame in enumerate(order):
                frame.pts, frame.time_base = index, Fraction(1) / Fraction(self.plan.frame_rate).limit_denominator(1001)
                if fades is None:
                    self._encode_video(frame)
                    continue
                fades.push(frame)
                for faded in _pull(fades):
                    self._encode_video(faded)
            if fades is not None:
                fades.push(None)
                for faded in _pull(fades):
                    self._encode_video(faded)
        self._mux(self.video_out.encode(None))

    def _encode_video(self, frame: av.VideoFrame) -> None:
        self.frames_out += 1
        if self.plan.timestamp_offset:
            frame.pts = frame.pts + round(self.plan.timestamp_offset / frame.time_base)
        self._mux(self.video_out.encode(frame))  # type: ignore[union-attr]

    def _audio_frame(self, frame: av.AudioFrame) -> None:
        if frame.time + frame.samples / frame.sample_rate <= self.plan.start:
            return
        if self.audio_graph is None:
            self.audio_graph = self._build_audio_graph(frame)
        frame.pts = round((frame.time - self.plan.start) * frame.sample_rate)
        frame.time_base = Fraction(1, frame.sample_rate)
        self.audio_graph.push(frame)
        for out in _pull(self.audio_graph):
            self._encode_audio(out)

    def _encode_audio(self, frame: av.AudioFrame) -> None:
        if self.plan.timestamp_offset:
            frame.pts = frame.pts + round(self.plan.timestamp_offset / frame.time_base)
        self._mux(self.audio_out.encode(frame))  # type: ignore[union-attr]

    def _finish_audio(self) -> None:
        if self.audio_out is None:
            return
        if self.audio_graph is not None:
            self.audio_graph.push(None)
            for out in _pull(self.audio_graph):
                self._encode_audio(out)
        self._mux(self.audio_out.encode(None))

    # --- filter graphs ------------------------------------------------------------------------
    def _build_video_graph(self, first: av.VideoFrame) -> av.filter.Graph:
        plan = self.plan
        graph = av.filter.Graph()
        current = graph.add_buffer(width=first.width, height=first.height, format=first.format.name, time_base=_TIME_BASE)
        pictures: list[av.VideoFrame] = []

        def then(name: str, args: str = "") -> None:
            nonlocal current
            node = graph.add(name, args) if args else graph.add(name)
            current.link_to(node)
            current = node

        for name, args in {90: [("transpose", "clock")], 180: [("hflip", ""), ("vflip", "")],
                           270: [("transpose", "cclock")]}.get(plan.rotation, []):
            then(name, args)
        for op in plan.geometry:
            if isinstance(op, Scale):
                then("scale", f"{op.width}:{op.height}:flags=bicubic")
            elif isinstance(op, Crop):
                then("crop", f"{op.width}:{op.height}:{op.x}:{op.y}")
            elif isinstance(op, Pad):
                c = op.colour
                then("pad", f"{op.width}:{op.height}:{op.x}:{op.y}:color=0x{c.red:02x}{c.green:02x}{c.blue:02x}")
            elif isinstance(op, Overlay):
                picture = self.overlays[op.index]
                source = graph.add_buffer(width=picture.width, height=picture.height, format=picture.format.name,
                                          time_base=_TIME_BASE)
                node = graph.add("overlay", f"x={op.x}:y={op.y}:eof_action=repeat")
                current.link_to(node, 0, 0)
                source.link_to(node, 0, 1)
                current = node
                pictures.append(picture)
        then("fps", f"fps={Fraction(plan.frame_rate).limit_denominator(1001)}:start_time=0:eof_action=pass")
        if not (plan.reverse or plan.boomerang):
            for name, args in _fades("fade", plan):
                then(name, args)
        then("format", "yuv420p")
        then("buffersink")
        graph.configure()
        for index, picture in enumerate(pictures, start=1):  # one still frame each, shown until the end
            picture.pts, picture.time_base = 0, _TIME_BASE
            graph.push(picture, at=index)
            graph.push(None, at=index)
        return graph

    def _fade_graph(self, first: av.VideoFrame) -> av.filter.Graph:
        graph = av.filter.Graph()
        rate = Fraction(self.plan.frame_rate).limit_denominator(1001)
        nodes = [graph.add_buffer(width=first.width, height=first.height, format=first.format.name, time_base=1 / rate)]
        return _link(graph, nodes, [*_fades("fade", self.plan), ("format", "yuv420p")], "buffersink")

    def _build_audio_graph(self, first: av.AudioFrame) -> av.filter.Graph:
        plan = self.plan
        graph = av.filter.Graph()
        nodes = [graph.add_abuffer(sample_rate=first.sample_rate, format=first.format.name, layout=first.layout.name,
                                   time_base=Fraction(1, first.sample_rate))]
        steps = [("atrim", f"start=0:end={plan.end - plan.start:.6f}"), ("asetpts", "PTS-STARTPTS")]
        steps += [("atempo", f"{factor:.6f}") for factor in _tempo_factors(plan.speed)]
        if plan.volume != 1.0:
            steps.append(("volume", f"{plan.volume:.6f}"))
        if plan.reverse:
            steps.append(("areverse", ""))
        steps += _fades("afade", plan)
        out = self.audio_out
        steps.append(("aresample", str(out.rate)))  # type: ignore[union-attr]
        steps.append(("aformat", f"sample_fmts={out.format.name}:channel_layouts={out.layout.name}"))  # type: ignore[union-attr]
        return _link(graph, nodes, steps, "abuffersink")

    # --- muxing -------------------------------------------------------------------------------
    def _mux(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            self.bytes_out += packet.size
            if self.bytes_out > self.limits.max_output_bytes:
                raise OutputTooLarge(f"Output too large - over {self.limits.max_output_bytes} bytes")
            if self.plan.loop:
                self.kept.append((packet.stream.index, bytes(packet), packet.pts, packet.dts, packet.duration,
                                  packet.is_keyframe, packet.time_base))
            self.out.mux(packet)

    def _repeat(self) -> None:
        """e_loop: the first play's packets again, each time shifted by that stream's play length
        (from its first dts to its last packet's end: AAC's priming makes it a little longer)."""
        streams = {s.index: s for s in self.out.streams}
        stamps: dict[int, list[int]] = {}
        durations: dict[int, int] = {}
        for index, _, pts, dts, duration, _, _ in self.kept:
            stamp = dts if dts is not None else pts
            if stamp is not None:
                stamps.setdefault(index, []).append(stamp)
                durations[index] = duration or 0
        length: dict[int, int] = {}
        for index, seen in stamps.items():
            step = durations[index] or ((seen[-1] - seen[0]) // (len(seen) - 1) if len(seen) > 1 else 1)
            length[index] = max(seen) + max(1, step) - seen[0]
        for play in range(1, self.plan.loop + 1):
            for index, data, pts, dts, duration, key, time_base in self.kept:
                shift = length.get(index, 0) * play
                packet = av.Packet(data)
                packet.stream = streams[index]
                packet.time_base = time_base
                packet.pts = None if pts is None else pts + shift
                packet.dts = None if dts is None else dts + shift
                if duration is not None:
                    packet.duration = duration
                packet.is_keyframe = key
                self.bytes_out += len(data)
                if self.bytes_out > self.limits.max_output_bytes:
                    raise OutputTooLarge(f"Output too large - over {self.limits.max_output_bytes} bytes")
                self.out.mux(packet)
        self.frames_out *= 1 + self.plan.loop


def _fades(name: str, plan: VideoPlan) -> list[tuple[str, str]]:
    steps = []
    if plan.fade_in:
        steps.append((name, f"t=in:st=0:d={plan.fade_in:.6f}"))
    if plan.fade_out:
        steps.append((name, f"t=out:st={max(0.0, plan.pass_duration - plan.fade_out):.6f}:d={plan.fade_out:.6f}"))
    return steps


def _tempo_factors(speed: float) -> list[float]:
    """atempo takes 0.5-2.0 (more needs several in a row)."""
    if math.isclose(speed, 1.0):
        return []
    factors = []
    while speed > 2.0:
        factors.append(2.0)
        speed /= 2.0
    while speed < 0.5:
        factors.append(0.5)
        speed /= 0.5
    return [*factors, speed]


def _link(graph: av.filter.Graph, nodes: list, steps: list[tuple[str, str]], sink: str) -> av.filter.Graph:
    for name, args in steps:
        nodes.append(graph.add(name, args) if args else graph.add(name))
    nodes.append(graph.add(sink))
    graph.link_nodes(*nodes).configure()
    return graph


def _pull(graph: av.filter.Graph | None) -> Iterator[av.frame.Frame]:
    if graph is None:
        return
    while True:
        try:
            yield graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return
