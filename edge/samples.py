"""Sample originals for the embedded default: real photographs shipped inside scikit-image's wheel.

Nothing is downloaded: `skimage.data`'s bundled files are read from site-packages.
"""

from __future__ import annotations

from pathlib import Path

# public_id -> (file in skimage/data, upscale factor, format written)
SAMPLES = {
    "sample": ("chelsea.png", 4, "jpg"),  # the cat, 1804x1200
    "samples/astronaut": ("astronaut.png", 3, "jpg"),
    "samples/coffee": ("coffee.png", 3, "jpg"),
    "samples/rocket": ("rocket.jpg", 2, "jpg"),
    "samples/motorcycle": ("motorcycle_left.png", 1, "png"),
    "samples/logo": ("logo.png", 1, "png"),  # has an alpha channel
}


def path(folder: Path, cloud: str, public_id: str) -> Path:
    _, _, ext = SAMPLES[public_id]
    return folder / cloud / f"{public_id}.{ext}"


def present(folder: Path, cloud: str) -> set[str]:
    """The samples' public_ids found under <folder>/<cloud>/ (cheap: no libvips, safe before forking)."""
    return {public_id for public_id in SAMPLES if path(folder, cloud, public_id).is_file()}


def install(folder: Path, cloud: str) -> list[str]:
    """Write the samples under <folder>/<cloud>/ (skipping those present); returns public_ids."""
    import pyvips  # here, not at the top: `edge serve` reads `present` in the parent that forks workers
    import skimage.data

    data_dir = Path(skimage.data.__file__).parent
    written = []
    for public_id, (name, factor, ext) in SAMPLES.items():
        target = path(folder, cloud, public_id)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        image = pyvips.Image.new_from_file(str(data_dir / name))
        if factor != 1:
            image = image.resize(factor, kernel="lanczos3")
        if ext == "jpg":
            image = image.flatten() if image.hasalpha() else image
            image.jpegsave(str(target), Q=92)
        else:
            image.pngsave(str(target))
        written.append(public_id)
    return written
