"""The images the delivery benchmark asks for: the peer harness's corpus, or the same recipe
made from scikit-image's photographs."""

from __future__ import annotations

import os
import shutil
import tempfile

PEER_CORPUS = "/tmp/edge-bench/.peers/corpus"
SETS = {
    "12mp": ["coffee_12mp.jpg", "rocket_12mp.jpg", "motorcycle_12mp.jpg"],
    "2mp": ["chelsea_2mp.jpg", "astronaut_2mp.jpg", "hubble_2mp.jpg"],
    "24mp": ["motorcycle_24mp.jpg"],
}
# corpus file -> (skimage/data source, width, height): the same recipe as /tmp/edge-bench/make_corpus.py
RECIPE = {
    "coffee_12mp.jpg": ("coffee.png", 4000, 3000),
    "rocket_12mp.jpg": ("rocket.jpg", 4000, 3000),
    "motorcycle_12mp.jpg": ("motorcycle_left.png", 4000, 3000),
    "chelsea_2mp.jpg": ("chelsea.png", 1920, 1280),
    "astronaut_2mp.jpg": ("astronaut.png", 1920, 1280),
    "hubble_2mp.jpg": ("hubble_deep_field.jpg", 1920, 1280),
    "motorcycle_24mp.jpg": ("motorcycle_left.png", 6000, 4000),
}


def ensure_corpus(folder: str | None, names: list[str]) -> str:
    """The folder holding `names`: the one given, the peer corpus, or one made once under $TMPDIR."""
    if folder:
        return folder
    if all(os.path.isfile(os.path.join(PEER_CORPUS, n)) for n in names):
        return PEER_CORPUS
    out = os.path.join(tempfile.gettempdir(), "edge-delivery-bench-corpus")
    os.makedirs(out, exist_ok=True)
    for name in names:
        if not os.path.isfile(os.path.join(out, name)):
            make_image(name, out)
    return out


def make_image(name: str, out: str) -> None:
    """One corpus file from its recipe: centre-crop to the aspect ratio, lanczos3 upscale, JPEG Q90."""
    import pyvips
    import skimage

    src, w, h = RECIPE[name]
    img = pyvips.Image.new_from_file(os.path.join(os.path.dirname(skimage.__file__), "data", src))
    if img.bands == 1:
        img = img.colourspace("srgb")
    img = img[:3] if img.bands > 3 else img
    target = w / h
    if img.width / img.height > target:
        cw = round(img.height * target)
        img = img.crop((img.width - cw) // 2, 0, cw, img.height)
    else:
        ch = round(img.width / target)
        img = img.crop(0, (img.height - ch) // 2, img.width, ch)
    img = img.resize(w / img.width, vscale=h / img.height, kernel="lanczos3")
    img.jpegsave(os.path.join(out, name), Q=90, subsample_mode="on", keep="none")
    print(f"corpus: made {name} ({w}x{h}) from skimage/data/{src}", flush=True)


def stage_storage(corpus: str, names: list[str], storage: str) -> None:
    """Copies, not symlinks: edge refuses originals that resolve outside its storage root."""
    os.makedirs(os.path.join(storage, "demo"), exist_ok=True)
    for name in names:
        shutil.copy(os.path.join(corpus, name), os.path.join(storage, "demo", name))
