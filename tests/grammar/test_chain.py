import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_chain, parse_component
from edge.grammar.values import CropMode, Dimension


def test_component_fields_use_full_names():
    t = parse_component("w_400,c_fill,h_300,g_auto")
    assert t.width == Dimension(400) and t.height == Dimension(300) and t.crop is CropMode.FILL
    assert t.canonical == "c_fill,g_auto,h_300,w_400"  # the SDK's order: sorted key_value strings


def test_unknown_and_duplicate_parameters_are_400():
    with pytest.raises(InvalidTransformation, match="Invalid transformation parameter - zz"):
        parse_component("w_100,zz_1")
    with pytest.raises(InvalidTransformation, match="Duplicate parameter - w"):
        parse_component("w_100,w_200")


def test_chain_last_and_flags():
    chain = parse_chain("c_fill,w_400,h_300,q_60/f_webp,fl_progressive")
    assert chain.last("format").value == "webp"
    assert chain.last("quality").value == 60
    assert chain.flags == frozenset({"progressive"})
    assert chain.canonical == "c_fill,h_300,q_60,w_400/f_webp,fl_progressive"


VALUES = {
    "w": st.sampled_from(["1", "400", "0.5", "1.0", "2000"]),
    "h": st.sampled_from(["1", "300", "0.25"]),
    "c": st.sampled_from([m.value for m in CropMode]),
    "g": st.sampled_from(["north", "south_east", "center", "auto"]),
    "x": st.sampled_from(["0", "-10", "25", "0.1"]),
    "ar": st.sampled_from(["16:9", "1.5", "1:1"]),
    "dpr": st.sampled_from(["1.0", "2.0", "3"]),
    "q": st.sampled_from(["80", "auto", "auto:low"]),
    "f": st.sampled_from(["jpg", "webp", "auto"]),
    "a": st.sampled_from(["90", "hflip", "vflip.180"]),
    "b": st.sampled_from(["red", "rgb:102030", "rgb:10203040"]),
    "fl": st.sampled_from(["progressive", "progressive:semi"]),
}
components = st.dictionaries(st.sampled_from(sorted(VALUES)), st.none(), min_size=1).flatmap(
    lambda keys: st.tuples(*[VALUES[k].map(lambda v, k=k: f"{k}_{v}") for k in keys])
).flatmap(lambda parts: st.permutations(list(parts)).map(",".join))


@given(st.lists(components, min_size=1, max_size=4))
def test_canonical_is_a_fixed_point(parts):
    text = "/".join(parts)
    once = parse_chain(text).canonical
    assert parse_chain(once).canonical == once
    assert parse_chain(text) == parse_chain(once)
