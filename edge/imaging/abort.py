"""Abort: lets another thread stop a render."""

from __future__ import annotations

import pyvips


class Abort:
    """`kill()` flags libvips to abandon the pipeline; steps also check `killed` between ops.

    Cheaper than a progress callback, which would take the GIL on every tile."""

    def __init__(self) -> None:
        self.killed = False
        self._image: pyvips.Image | None = None

    def attach(self, image: pyvips.Image) -> None:
        self._image = image
        if self.killed:
            image.set_kill(True)

    def kill(self) -> None:
        self.killed = True
        if self._image is not None:
            self._image.set_kill(True)
