#!/usr/bin/env python3
"""Widget size budget: the bytes a page downloads for each widget, raw and gzipped (level 9, as
edge serves them), against a budget per file.

    .venv/bin/python benchmarks/widgets_size.py [--check]

First load = all.js (core + widget, concatenated by edge). On demand = the vendored modules a
widget imports only when used (Cropper.js on the first crop, PhotoSwipe on the first zoom).
--check exits 1 when a file is over its budget (tests/widgets/test_routes.py runs the same check).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.widgets.files import STATIC, widget_sync  # noqa: E402

VENDOR = STATIC / "vendor"
# (widget, what, path or None for all.js, gzip budget in bytes)
BUDGET = [
    ("upload-widget", "all.js (first load)", None, 16_000),
    ("upload-widget", "Cropper.js module (cropping: on demand)", VENDOR / "cropperjs-1.6.2/cropper.esm.js", 26_000),
    ("upload-widget", "Cropper.js CSS (on demand)", VENDOR / "cropperjs-1.6.2/cropper.min.css", 2_000),
    ("product-gallery", "all.js (first load)", None, 8_000),
    ("product-gallery", "PhotoSwipe module (zoom: on demand)", VENDOR / "photoswipe-5.4.4/photoswipe.esm.min.js", 20_000),
    ("product-gallery", "PhotoSwipe CSS (on demand)", VENDOR / "photoswipe-5.4.4/photoswipe.css", 3_000),
]


def measure() -> list[tuple[str, str, int, int, int]]:
    rows = []
    for widget, what, path, budget in BUDGET:
        body = widget_sync(widget).body if path is None else path.read_bytes()
        rows.append((widget, what, len(body), len(gzip.compress(body, 9, mtime=0)), budget))
    return rows


def main(argv: list[str]) -> int:
    rows = measure()
    print(f"{'widget':<16} {'file':<42} {'raw':>9} {'gzip':>8} {'budget':>8}")
    over = 0
    for widget, what, raw, gz, budget in rows:
        flag = "" if gz <= budget else "  OVER"
        over += bool(flag)
        print(f"{widget:<16} {what:<42} {raw:>9,} {gz:>8,} {budget:>8,}{flag}")
    for widget in dict.fromkeys(r[0] for r in rows):
        first = sum(gz for w, what, _, gz, _ in rows if w == widget and "first load" in what)
        total = sum(gz for w, _, _, gz, _ in rows if w == widget)
        print(f"{widget}: {first:,} gzipped bytes on first load, {total:,} with every on-demand module")
    return 1 if over and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
