"""Seconds of transcode per second of 1080p input, for H.264 (MP4) and VP9 (WebM).

    .venv/bin/python benchmarks/video.py                 # 3 s of 1920x1080 at 25 fps, each codec once
    .venv/bin/python benchmarks/video.py --seconds 2 --codecs h264

The input is made here with PyAV (colour bars with a moving square and a tone, H.264 CRF 18 so
the decoder has real work), then `edge.video.transcode.transcode` runs edge's default plan for
each output (same size, AAC or Opus audio, edge's presets: x264 ultrafast, libvpx-vp9 realtime
cpu-used 8), in this process, one thread per codec (as in the transcode pool). It prints wall
and CPU seconds per second of input; CPU is the honest figure on a shared machine. It never
asserts a time: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.video.limits import VideoLimits  # noqa: E402
from edge.video.plan import make_plan  # noqa: E402
from edge.video.probe import probe  # noqa: E402
from edge.video.transcode import transcode  # noqa: E402

CONTAINERS = {"h264": "mp4", "vp9": "webm"}


def make_input(path: Path, seconds: float, width: int = 1920, height: int = 1080, fps: int = 25) -> None:
    bars = np.zeros((height, width, 3), dtype=np.uint8)
    colours = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]
    for i, colour in enumerate(colours):
        bars[:, i * width // 7 : (i + 1) * width // 7] = colour
    noise = np.random.default_rng(1).integers(0, 24, size=(height, width, 1), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "18"}
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
        for index in range(round(seconds * fps)):
            image = bars + np.roll(noise, index * 7, axis=1)
            x = (index * 24) % (width - 160)
            image[height // 2 - 80 : height // 2 + 80, x : x + 160] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        samples = (np.sin(2 * np.pi * 440 * np.arange(round(seconds * 48000)) / 48000) * 0.4).astype(np.float32)
        for start in range(0, len(samples), 1024):
            piece = np.repeat(samples[start : start + 1024].reshape(1, -1), 2, axis=0)
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, start, Fraction(1, 48000)
            out.mux(sound.encode(frame))
        out.mux(sound.encode(None))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the 1080p input")
    parser.add_argument("--codecs", default="h264,vp9")
    args = parser.parse_args()
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), "?")
    print(f"CPU: {model}; PyAV {av.__version__}, FFmpeg {'.'.join(map(str, av.ffmpeg_version_info)) if isinstance(av.ffmpeg_version_info, tuple) else av.ffmpeg_version_info}")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "input.mp4"
        make_input(source, args.seconds)
        info = probe(source)
        print(f"input: {info.width}x{info.height} {info.frame_rate:g} fps {info.duration:.2f} s, {source.stat().st_size} bytes")
        print(f"{'codec':6} {'wall s/s':>9} {'cpu s/s':>8} {'fps':>6} {'bytes':>10}")
        for codec in args.codecs.split(","):
            container = CONTAINERS[codec]
            plan = make_plan([], info, container, VideoLimits())
            target = Path(folder) / f"out.{container}"
            wall, cpu = time.perf_counter(), cpu_seconds()
            result = transcode(source, plan, target)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            print(f"{codec:6} {wall / info.duration:9.2f} {cpu / info.duration:8.2f} {result.frames / wall:6.1f} {result.bytes:10d}")


if __name__ == "__main__":
    main()
