import pytest

from edge.errors import InvalidTransformation
from edge.grammar.params import PARAMS
from edge.grammar.values import Colour, CropMode, Dimension, Gravity, OutputFormat, Quality


def parse(code: str, raw: str):
    return PARAMS[code].parse(raw)


@pytest.mark.parametrize(
    "code, raw, expected",
    [
        ("w", "400", Dimension(400)),
        ("w", "0.5", Dimension(0.5, relative=True)),
        ("w", "1.0", Dimension(1.0, relative=True)),
        ("w", "1", Dimension(1)),
        ("h", "300", Dimension(300)),
        ("x", "-20", Dimension(-20)),
        ("c", "fill_pad", CropMode.FILL_PAD),
        ("g", "north_west", Gravity.NORTH_WEST),
        ("g", "auto", Gravity.AUTO),
        ("ar", "16:9", 16 / 9),
        ("ar", "1.5", 1.5),
        ("dpr", "2.0", 2.0),
        ("q", "80", Quality(value=80)),
        ("q", "auto", Quality(auto_level="good")),
        ("q", "auto:eco", Quality(auto_level="eco")),
        ("f", "jpg", OutputFormat.JPEG),
        ("f", "auto", "auto"),
        ("a", "90", (90.0,)),
        ("a", "hflip.90", ("hflip", 90.0)),
        ("b", "red", Colour(255, 0, 0)),
        ("b", "rgb:00ff0080", Colour(0, 255, 0, 128)),
        ("b", "rgb:fff", Colour(255, 255, 255)),
        ("fl", "progressive", frozenset({"progressive"})),
    ],
    ids=lambda v: str(v),
)
def test_valid_values(code, raw, expected):
    assert parse(code, raw) == expected


@pytest.mark.parametrize(
    "code, raw, message",
    [
        ("w", "abc", "Invalid width - abc"),
        ("w", "-5", "Invalid width - -5"),
        ("w", "0", "Invalid width - 0"),
        ("h", "1e9", "Invalid height - 1e9"),
        ("c", "stretch", "Invalid crop - stretch"),
        ("g", "middle", "Invalid gravity - middle"),
        ("ar", "16:0", "Invalid aspect ratio - 16:0"),
        ("dpr", "0", "Invalid dpr - 0"),
        ("dpr", "99", "Invalid dpr - 99"),
        ("q", "0", "Invalid quality - 0"),
        ("q", "101", "Invalid quality - 101"),
        ("q", "auto:great", "Invalid quality - auto:great"),
        ("f", "xyz", "Invalid format - xyz"),
        ("a", "sideways", "Invalid angle - sideways"),
        ("b", "rgb:zzzzzz", "Invalid color - rgb:zzzzzz"),
        ("b", "notacolour", "Invalid color - notacolour"),
        ("fl", "sparkle", "Invalid flag - sparkle"),
    ],
)
def test_invalid_values_name_the_parameter_and_value(code, raw, message):
    with pytest.raises(InvalidTransformation) as info:
        parse(code, raw)
    assert info.value.public_message == message
    assert info.value.status == 400


def test_every_param_is_documented():
    for code, spec in PARAMS.items():
        assert spec.doc and spec.name and spec.label, code
