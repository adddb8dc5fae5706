"""Synthetic fixture images, made with pyvips (small, exact, nothing binary committed)."""

from __future__ import annotations

import struct
import zlib

import pyvips

RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


def geometry(width: int = 400, height: int = 300) -> pyvips.Image:
    """Coloured quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    half_w, half_h = width // 2, height // 2

    def block(colour: tuple[int, int, int], w: int, h: int) -> pyvips.Image:
        return (pyvips.Image.black(w, h) + list(colour)).cast("uchar")

    top = block(RED, half_w, half_h).join(block(GREEN, width - half_w, half_h), "horizontal")
    bottom = block(BLUE, half_w, height - half_h).join(block(YELLOW, width - half_w, height - half_h), "horizontal")
    return top.join(bottom, "vertical").copy(interpretation="srgb")


def solid_png(colour: tuple[int, int, int], width: int = 64, height: int = 48, alpha: int | None = None) -> bytes:
    """One flat colour (with a flat alpha band when `alpha` is given)."""
    image = (pyvips.Image.black(width, height) + list(colour)).cast("uchar").copy(interpretation="srgb")
    if alpha is not None:
        image = image.bandjoin(alpha)
    return image.pngsave_buffer()


def geometry_png(width: int = 400, height: int = 300) -> bytes:
    return geometry(width, height).pngsave_buffer()


def geometry_jpeg(width: int = 400, height: int = 300, orientation: int = 1) -> bytes:
    image = geometry(width, height).copy()
    if orientation != 1:
        image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return image.jpegsave_buffer(Q=95)


def with_alpha_png(width: int = 200, height: int = 100) -> bytes:
    """Opaque red left half, fully transparent right half."""
    rgb = geometry(width, height)
    alpha = (pyvips.Image.black(width // 2, height) + 255).join(pyvips.Image.black(width - width // 2, height), "horizontal")
    return rgb.bandjoin(alpha.cast("uchar")).pngsave_buffer()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims width x height pixels: tiny on disk, enormous decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def decode(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def loader(data: bytes) -> str:
    return decode(data).get("vips-loader").removesuffix("load_buffer")


def pixel(image: pyvips.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(round(v) for v in image.getpoint(x, y))


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]


def animation(fmt="gif", width=80, height=60) -> bytes:
    frames = [(pyvips.Image.black(width, height) + list(c)).cast("uchar") for c in COLOURS]
    image = pyvips.Image.arrayjoin(frames, across=1).copy(interpretation="srgb")
    image.set_type(pyvips.GValue.gint_type, "page-height", height)
    image.set_type(pyvips.GValue.array_int_type, "delay", [100, 200, 300, 400])
    image.set_type(pyvips.GValue.gint_type, "loop", 2)
    return image.gifsave_buffer() if fmt == "gif" else image.webpsave_buffer(lossless=True)


def frames_of(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "", n=-1)
