#!/usr/bin/env python3
"""Effects and layer benchmark: edge's render() beside the same operation written in raw pyvips.

    .venv/bin/python benchmarks/effects.py [--repeat 15] [--size 1920] [--width 800]

Every case decodes the same in-memory JPEG, resizes to --width, applies one effect (or composes
a layer), and encodes JPEG Q80, once through `edge.imaging.render.render()` with a parsed chain
and once as hand-written pyvips calls (same algorithm, no planning, no probing). It prints the
median seconds of each and their ratio (edge / raw); the goal is no ratio above 1.5. Nothing is
asserted: read the ratios within one run, on one machine.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pyvips  # noqa: E402
import skimage.data  # noqa: E402

from edge.grammar.chain import parse_chain  # noqa: E402
from edge.grammar.values import OutputFormat  # noqa: E402
from edge.imaging import runtime  # noqa: E402
from edge.imaging.encode import OutputSpec  # noqa: E402
from edge.imaging.limits import Limits  # noqa: E402
from edge.imaging.render import render  # noqa: E402


def photo(size: int) -> bytes:
    """scikit-image's astronaut (a real face), scaled to size x size."""
    image = pyvips.Image.new_from_array(skimage.data.astronaut()).copy(interpretation="srgb")
    return image.resize(size / image.width).jpegsave_buffer(Q=90)


def logo() -> bytes:
    disc = (pyvips.Image.xyz(300, 150)[0] > 150).ifthenelse(255, 0).cast("uchar")
    return (pyvips.Image.black(300, 150) + [20, 120, 220]).cast("uchar").bandjoin(disc).copy(interpretation="srgb").pngsave_buffer()


def thumb(data: bytes, width: int) -> pyvips.Image:
    return pyvips.Image.thumbnail_buffer(data, width, height=100_000)


def save(image: pyvips.Image) -> bytes:
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    return image.jpegsave_buffer(Q=80, optimize_coding=True, keep="icc")


def raw_cases(width: int, logo_data: bytes):  # type: ignore[no-untyped-def]
    def blur(image: pyvips.Image) -> pyvips.Image:
        return image.gaussblur(20, precision="integer")

    def sharpen(image: pyvips.Image) -> pyvips.Image:
        return image + (image - image.gaussblur(1.0, precision="integer")) * 1.0

    def oil(image: pyvips.Image) -> pyvips.Image:
        return image.median(5)

    def pixelate(image: pyvips.Image) -> pyvips.Image:
        small = image.resize(1 / 20, kernel="linear")
        return small.zoom(20, 20).embed(0, 0, image.width, image.height, extend="copy")

    def vignette(image: pyvips.Image) -> pyvips.Image:
        xyz = pyvips.Image.xyz(image.width, image.height)
        cx, cy = (image.width - 1) / 2, (image.height - 1) / 2
        d = (((xyz[0] - cx) / cx) ** 2 + ((xyz[1] - cy) / cy) ** 2) ** 0.5
        ramp = (d - 0.3) / (math.sqrt(2) - 0.3)
        return image * (1 - 0.5 * (ramp > 0).ifthenelse(ramp, 0))

    def sepia(image: pyvips.Image) -> pyvips.Image:
        return image.recomb([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])

    def layer(image: pyvips.Image) -> pyvips.Image:
        mark = pyvips.Image.new_from_buffer(logo_data, "").resize(0.5)
        return image.composite2(mark, "over", x=image.width - mark.width - 10, y=image.height - mark.height - 10)

    def text(image: pyvips.Image) -> pyvips.Image:
        mask = pyvips.Image.text("Hello, world", font="DejaVu Sans Bold 40", dpi=72)
        glyphs = (mask.new_from_image([255, 255, 255])).bandjoin(mask).copy(interpretation="srgb")
        return image.composite2(glyphs, "over", x=(image.width - mask.width) // 2, y=(image.height - mask.height) // 2)

    def rounded(image: pyvips.Image) -> pyvips.Image:
        # A lower bound: raw pyvips has no rounded-rectangle primitive short of SVG, so this
        # only adds the alpha band that edge then shapes with four antialiased quarter discs.
        opaque = pyvips.Image.black(image.width, image.height) + 255
        return image.bandjoin(opaque.cast("uchar"))

    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")  # loaded once, as edge does

    def face_thumb(image: pyvips.Image) -> pyvips.Image:
        image = image.copy_memory()  # read twice: once to find the face, once to cut it
        small = image.resize(480 / max(image.width, image.height))
        grey = small.colourspace("b-w")[0]
        array = np.ndarray(buffer=grey.write_to_memory(), dtype=np.uint8, shape=(grey.height, grey.width))
        found = cascade.detectMultiScale(cv2.equalizeHist(array), scaleFactor=1.15, minNeighbors=5, minSize=(24, 24))
        x, y, w, h = (int(v * image.width / small.width) for v in found[0])
        side = min(int(w * 1.6), image.width, image.height)
        left = min(max(0, x + w // 2 - side // 2), image.width - side)
        top = min(max(0, y + h // 2 - side // 2), image.height - side)
        return image.crop(left, top, side, side).resize(200 / side)

    return {
        "c_thumb,g_face,w_200,h_200 (after w_800)": face_thumb,
        "e_blur:800": blur,
        "e_sharpen": sharpen,
        "e_oil_paint": oil,
        "e_pixelate:20": pixelate,
        "e_vignette:50": vignette,
        "e_sepia:100": sepia,
        "l_logo,w_150/fl_layer_apply,g_south_east,x_10,y_10": layer,
        "l_text:DejaVu%20Sans_40_bold:Hello%2C world,co_white/fl_layer_apply": text,
        "r_40": rounded,
    }


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--size", type=int, default=1920)
    parser.add_argument("--width", type=int, default=800)
    args = parser.parse_args()
    runtime.configure()
    data, logo_data = photo(args.size), logo()
    layers = {"logo": logo_data}
    print(f"{'case':58} {'raw s':>8} {'edge s':>8} {'ratio':>6}")
    worst = 0.0
    for case, raw_op in raw_cases(args.width, logo_data).items():
        chain = parse_chain(f"w_{args.width}/{case.split(' ')[0]}")
        edge_s = timed(lambda: render(data, chain, OutputSpec(OutputFormat.JPEG), Limits(), layers=layers), args.repeat)
        raw_s = timed(lambda: save(raw_op(thumb(data, args.width)).cast("uchar")), args.repeat)
        ratio = edge_s / raw_s
        worst = max(worst, ratio)
        print(f"{case[:58]:58} {raw_s:8.4f} {edge_s:8.4f} {ratio:6.2f}")
    print(f"worst ratio {worst:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
