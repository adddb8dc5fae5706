"""PDF originals, rasterised by PDFium (pypdfium2's wheel ships it): their pages and sizes read
before anything is drawn, then the chosen pages drawn at the requested density (dn_, default
150 dpi) into an uncompressed TIFF, one page per TIFF page, that the pipeline reads like any
multi-page original.

PDFium is not thread-safe (pypdfium2's documentation): every call into it holds _PDFIUM, so
two renders in the pool's threads take turns for the PDF part only.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import pyvips

from edge.errors import InvalidImage, InvalidTransformation, SourceTooLarge
from edge.imaging.probe import SourceInfo, probe

DEFAULT_DENSITY = 150
POINTS_PER_INCH = 72
_PDFIUM = threading.Lock()


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF-")


@dataclass(frozen=True, slots=True)
class PdfInfo:
    pages: int
    width: int  # of page 1, in pixels at the density asked for
    height: int


def _open(data: bytes):  # type: ignore[no-untyped-def]
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(data)
    except (pypdfium2.PdfiumError, ValueError, OSError) as exc:
        raise InvalidImage("Unreadable PDF", detail=str(exc)) from None


def _pixels(points: float, density: int) -> int:
    return max(1, math.ceil(points * density / POINTS_PER_INCH))


def info(data: bytes, density: int = DEFAULT_DENSITY) -> PdfInfo:
    """Page count and page 1's size, from the document's structure (nothing is drawn)."""
    with _PDFIUM:
        document = _open(data)
        try:
            count = len(document)
            if count == 0:
                raise InvalidImage("Unreadable PDF", detail="no pages")
            width, height = document.get_page_size(0)
        finally:
            document.close()
        return PdfInfo(count, _pixels(width, density), _pixels(height, density))


def rasterise(data: bytes, pages: tuple[int, ...], density: int, max_pixels: int, max_pages: int) -> bytes:
    """The given pages (1-based) drawn at `density` dpi, as one TIFF (a page each). Each page's
    size is checked before it is drawn, and the pages' pixels together count against max_pixels."""
    import pypdfium2

    if len(pages) > max_pages:
        raise SourceTooLarge(f"Too many frames - {len(pages)} (max {max_pages})")
    frames = []
    with _PDFIUM:
        document = _open(data)
        try:
            count = len(document)
            budget = max_pixels
            for number in pages:
                if not 1 <= number <= count:
                    raise InvalidTransformation(f"Invalid page - {number} (the document has {count})")
                width, height = document.get_page_size(number - 1)
                w, h = _pixels(width, density), _pixels(height, density)
                budget -= w * h
                if budget < 0:
                    raise SourceTooLarge(f"Image too large - PDF pages at {density} dpi are over {max_pixels} pixels")
                page = document[number - 1]
                try:
                    bitmap = page.render(scale=density / POINTS_PER_INCH, may_draw_forms=True)
                    picture = bitmap.to_pil().convert("RGB")
                except pypdfium2.PdfiumError as exc:
                    raise InvalidImage("Unreadable PDF", detail=str(exc)) from None
                finally:
                    page.close()
                frames.append(pyvips.Image.new_from_memory(picture.tobytes(), picture.width, picture.height, 3, "uchar"))
        finally:
            document.close()
    first = frames[0]
    frames = [f if (f.width, f.height) == (first.width, first.height) else
              f.thumbnail_image(first.width, height=first.height).gravity("centre", first.width, first.height,
                                                                         extend="white") for f in frames]
    stacked = pyvips.Image.arrayjoin(frames, across=1).copy(interpretation="srgb")
    if len(frames) > 1:
        stacked.set_type(pyvips.GValue.gint_type, "page-height", first.height)
    return stacked.tiffsave_buffer(compression="none")


def probe_document(data: bytes) -> SourceInfo:
    """probe(), with PDFs described too (loader 'pdf', page 1's size at the default density)."""
    if not is_pdf(data):
        return probe(data)
    found = info(data)
    return SourceInfo(found.width, found.height, found.pages, "pdf", 1, False)
