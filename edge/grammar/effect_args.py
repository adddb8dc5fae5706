"""An effect as parsed (`Effect`) and the typed argument record of each effect: the contract
between the grammar, which fills them (validated, defaults in), and the pipeline, which reads
them by name. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from edge.grammar.values import Colour


@dataclass(frozen=True, slots=True)
class NoArgs:
    """Effects without arguments (e_grayscale, e_negate, the layer blend modes)."""


@dataclass(frozen=True, slots=True)
class Level:
    """One level in the effect's documented range (e_sepia:80, e_blur:300, e_pixelate:12, ...)."""

    level: float


@dataclass(frozen=True, slots=True)
class Tint:
    """e_tint:[equalize:]<amount>:<colour>[:<colour>...]: the colours from dark to light."""

    equalize: bool
    amount: float
    colours: tuple[Colour, ...]


@dataclass(frozen=True, slots=True)
class ModeLevel:
    """`[<mode>:]<level>`: e_improve ([indoor|outdoor:]blend), e_gradient_fade ([symmetric[_pad]:]strength)."""

    mode: str
    level: float


@dataclass(frozen=True, slots=True)
class Outline:
    """e_outline:[inner|outer|inner_fill|fill:]<width>:<blur>; mode 'both' draws inside and out."""

    mode: str
    width: float
    blur: float


@dataclass(frozen=True, slots=True)
class Cartoonify:
    """e_cartoonify:<line strength>:<colour reduction, or 'bw'>."""

    line: float
    reduction: float | str


@dataclass(frozen=True, slots=True)
class Trim:
    """e_trim:<tolerance>[:<colour>]; colour None = the top-left pixel's."""

    tolerance: float
    colour: Colour | None


@dataclass(frozen=True, slots=True)
class ReplaceColor:
    """e_replace_color:<to>[:<tolerance>][:<from>]; source None = the most common saturated colour."""

    target: Colour
    tolerance: float
    source: Colour | None


@dataclass(frozen=True, slots=True)
class Colorblind:
    """e_simulate_colorblind:<condition>."""

    condition: str


EffectArgs = NoArgs | Level | Tint | ModeLevel | Outline | Cartoonify | Trim | ReplaceColor | Colorblind
_Args = TypeVar("_Args", bound=EffectArgs)


@dataclass(frozen=True, slots=True)
class Effect:
    """An `e_` effect by its full name, with its arguments validated and defaults filled in."""

    name: str
    args: EffectArgs = NoArgs()

    def args_as(self, record: type[_Args]) -> _Args:
        """The argument record, checked to be the one the caller reads (grammar/effects.py declares
        which record each effect yields; a mismatch is a programming error, not bad input)."""
        if not isinstance(self.args, record):
            raise TypeError(f"e_{self.name} expects {record.__name__}, got {type(self.args).__name__}")
        return self.args
