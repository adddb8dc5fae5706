"""Process-wide pyvips set-up, in one place (imgproxy vips/vips.go)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyvips

# Loaders we accept, by the name libvips reports in `vips-loader` (minus "load_buffer").
# SVG is accepted only after imaging/formats.py sanitised it; PDF and ImageMagick stay out.
TRUSTED_LOADERS = ("jpeg", "png", "webp", "gif", "heif", "tiff")


def configure(concurrency: int = 1) -> None:
    """Parallelism comes from the render pool, not from threads inside each operation;
    the operation cache would only hold on to memory, as every render is a new input."""
    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)
    pyvips.concurrency_set(concurrency)
    pyvips.block_untrusted_set(True)
    # librsvg is "untrusted" to libvips; edge only hands it SVG that formats.sanitise_svg rewrote,
    # and probe() refuses any other SVG by sniffing, before it is parsed.
    pyvips.operation_block_set("VipsForeignLoadSvg", False)


def tracked_memory() -> tuple[int, int]:
    """(bytes, high-water bytes) that libvips tracks for pixel buffers, for the metrics; (0, 0) if unknown.

    pyvips does not bind vips_tracked_get_mem*, so they are called through ctypes on the
    libvips that this process already loaded (the pyvips-binary copy, found in /proc/self/maps).
    """
    lib = _libvips_handle()
    if lib is None:
        return 0, 0
    return int(lib.vips_tracked_get_mem()), int(lib.vips_tracked_get_mem_highwater())


@functools.cache
def _libvips_handle() -> ctypes.CDLL | None:
    path = None
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                name = line.rsplit(" ", 1)[-1].strip()
                if "/libvips" in name and ".so" in name and "cpp" not in name:
                    path = name
                    break
    except OSError:
        pass
    path = path or ctypes.util.find_library("vips")
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
        for fn in (lib.vips_tracked_get_mem, lib.vips_tracked_get_mem_highwater):
            fn.restype, fn.argtypes = ctypes.c_size_t, []
    except (OSError, AttributeError):
        return None
    return lib


def libvips_version() -> str:
    return f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"


def codecs() -> dict[str, bool]:
    """Which savers and loaders this libvips has, and the Pillow-side codecs edge uses beside it
    (imaging/writers.py, imaging/pdf.py): `edge doctor` prints it."""
    names = ["jpegsave", "pngsave", "webpsave", "heifsave", "gifsave", "tiffsave", "jpegload", "pngload",
             "webpload", "heifload", "gifload", "tiffload", "svgload"]
    found = {}
    for name in names:
        try:
            pyvips.Operation.new_from_name(name)
            found[name] = True
        except pyvips.Error:
            found[name] = False
    found.update(_pillow_codecs())
    return found


def _pillow_codecs() -> dict[str, bool]:
    import importlib.util

    from PIL import features

    return {
        "heicsave (pillow-heif)": importlib.util.find_spec("pillow_heif") is not None,
        "jxlsave (pillow-jxl-plugin)": importlib.util.find_spec("pillow_jxl") is not None,
        "jp2save (Pillow, OpenJPEG)": bool(features.check_codec("jpg_2000")),
        "pdfload (pypdfium2)": importlib.util.find_spec("pypdfium2") is not None,
    }
