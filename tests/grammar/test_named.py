import cloudinary.utils
import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_chain
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.named import expand, uses_named

LOOKUP = {
    "thumb": parse_chain("c_fill,h_30,w_30"),
    "round": parse_chain("t_thumb/a_90"),
    "loop": parse_chain("t_loop"),
}


def test_the_sdk_named_transformation_url_parses():
    url = cloudinary.utils.cloudinary_url("sample", cloud_name="demo", transformation="thumb", format="jpg")[0]
    path = parse_delivery_path(url.split("res.cloudinary.com")[1])
    assert path.public_id == "sample" and path.chain.components[0].named == ("thumb",) and uses_named(path.chain)


@pytest.mark.parametrize("text, expected", [
    ("t_thumb", "c_fill,h_30,w_30"),
    ("t_thumb/a_180", "c_fill,h_30,w_30/a_180"),
    ("t_round", "c_fill,h_30,w_30/a_90"),
    ("t_thumb.round", "c_fill,h_30,w_30/c_fill,h_30,w_30/a_90"),
    ("w_10", "w_10"),
    ("t_thumb,w_10", "c_fill,h_30,w_30/w_10"),  # the named components first, then the rest
])
def test_expansion(text, expected):
    assert expand(parse_chain(text), LOOKUP).canonical == expected


@pytest.mark.parametrize("text, message", [
    ("t_loop", "Named transformation cycle - loop -> loop"),
    ("t_missing", "Unknown named transformation - missing"),
])
def test_refusals(text, message):
    with pytest.raises(InvalidTransformation, match=message):
        expand(parse_chain(text), LOOKUP)


def test_bad_names_are_invalid():
    with pytest.raises(InvalidTransformation, match="Invalid named transformation"):
        parse_chain("t_a b")
