"""Process-wide pyvips set-up, in one place (imgproxy vips/vips.go)."""

from __future__ import annotations

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


def libvips_version() -> str:
    return f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"


def codecs() -> dict[str, bool]:
    """Which savers and loaders this libvips has: `edge doctor` prints it."""
    names = ["jpegsave", "pngsave", "webpsave", "heifsave", "gifsave", "tiffsave", "jpegload", "pngload",
             "webpload", "heifload", "gifload", "tiffload", "svgload"]
    found = {}
    for name in names:
        try:
            pyvips.Operation.new_from_name(name)
            found[name] = True
        except pyvips.Error:
            found[name] = False
    return found
