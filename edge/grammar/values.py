"""Typed values of transformation parameters, with full names. Pure: no I/O, no framework."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CropMode(enum.Enum):
    SCALE = "scale"
    FIT = "fit"
    LIMIT = "limit"
    MFIT = "mfit"
    FILL = "fill"
    LFILL = "lfill"
    PAD = "pad"
    LPAD = "lpad"
    MPAD = "mpad"
    CROP = "crop"
    THUMB = "thumb"
    FILL_PAD = "fill_pad"
    AUTO = "auto"


class Gravity(enum.Enum):
    NORTH_WEST = "north_west"
    NORTH = "north"
    NORTH_EAST = "north_east"
    WEST = "west"
    CENTER = "center"
    EAST = "east"
    SOUTH_WEST = "south_west"
    SOUTH = "south"
    SOUTH_EAST = "south_east"
    AUTO = "auto"
    # Face gravities: the detected faces (largest one, or all of them) are what to keep.
    FACE = "face"
    FACES = "faces"
    FACE_CENTER = "face:center"
    FACES_CENTER = "faces:center"
    AUTO_FACE = "auto:face"
    AUTO_FACES = "auto:faces"

    @property
    def is_face(self) -> bool:
        return self.value in _FACE_GRAVITIES

    @property
    def anchor(self) -> tuple[float, float]:
        """Where the kept region sits, as fractions (0 = left/top, 1 = right/bottom)."""
        return _ANCHORS.get(self, (0.5, 0.5))


_FACE_GRAVITIES = ("face", "faces", "face:center", "faces:center", "auto:face", "auto:faces")
_ANCHORS = {
    Gravity.NORTH_WEST: (0.0, 0.0),
    Gravity.NORTH: (0.5, 0.0),
    Gravity.NORTH_EAST: (1.0, 0.0),
    Gravity.WEST: (0.0, 0.5),
    Gravity.CENTER: (0.5, 0.5),
    Gravity.EAST: (1.0, 0.5),
    Gravity.SOUTH_WEST: (0.0, 1.0),
    Gravity.SOUTH: (0.5, 1.0),
    Gravity.SOUTH_EAST: (1.0, 1.0),
}


@dataclass(frozen=True, slots=True)
class Dimension:
    """A length in pixels, or (relative=True) a fraction of the input's length."""

    value: float
    relative: bool = False

    def resolve(self, base: float) -> float:
        return self.value * base if self.relative else self.value


@dataclass(frozen=True, slots=True)
class Quality:
    """A fixed 1-100 quality, or an automatic level (best, good, eco, low)."""

    value: int | None = None
    auto_level: str | None = None


@dataclass(frozen=True, slots=True)
class Colour:
    red: int
    green: int
    blue: int
    alpha: int = 255

    @property
    def rgba(self) -> list[int]:
        return [self.red, self.green, self.blue, self.alpha]


class OutputFormat(enum.Enum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    AVIF = "avif"
    GIF = "gif"

    @property
    def media_type(self) -> str:
        return f"image/{self.value}"

    @property
    def has_alpha(self) -> bool:
        return self is not OutputFormat.JPEG


# Angle steps: a number of degrees, or a flip.
HFLIP = "hflip"
VFLIP = "vflip"
AUTO_RIGHT = "auto_right"  # rotate 90 clockwise when the aspect ratios of input and box disagree
AUTO_LEFT = "auto_left"
IGNORE = "ignore"  # do not apply the EXIF orientation
Angle = tuple[float | str, ...]


@dataclass(frozen=True, slots=True)
class Radius:
    """Corner radii in px (top-left, top-right, bottom-right, bottom-left); max = an ellipse."""

    corners: tuple[float, float, float, float] = (0, 0, 0, 0)
    max: bool = False


@dataclass(frozen=True, slots=True)
class Border:
    width: int
    colour: Colour


@dataclass(frozen=True, slots=True)
class TextStyle:
    font: str
    size: int
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strikethrough: bool = False
    align: str = "left"
    letter_spacing: float = 0
    line_spacing: float = 0


@dataclass(frozen=True, slots=True)
class LayerSource:
    """What an `l_`/`u_` draws: another asset (public_id with '/'), or text."""

    public_id: str | None = None
    text: str | None = None
    style: TextStyle | None = None

    @property
    def key(self) -> str:
        if self.public_id is not None:
            return self.public_id
        return f"text:{self.style}:{self.text}"
