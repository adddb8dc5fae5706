"""The support table is generated from the parameter table, and what it calls unsupported is a 400."""

from pathlib import Path

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_component
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.params import UNSUPPORTED_CROPS, UNSUPPORTED_EFFECTS, UNSUPPORTED_FLAGS, UNSUPPORTED_GRAVITIES, UNSUPPORTED_PARAMS
from edge.grammar.support import support_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "transformations.md"


def test_committed_table_is_the_generated_one():
    assert DOC.read_text() == support_table(), "run: python -m edge.grammar.support > docs/transformations.md"


def test_readme_links_the_table():
    assert "docs/transformations.md" in (DOC.parents[1] / "README.md").read_text()


@pytest.mark.parametrize("component", [f"e_{n}" for n in UNSUPPORTED_EFFECTS] + [f"fl_{n}" for n in UNSUPPORTED_FLAGS]
                         + [f"{c}_1" for c in UNSUPPORTED_PARAMS])
def test_unsupported_is_a_400_naming_it(component):
    name = component.split("_", 1)[1].removesuffix("_1") if not component.endswith("_1") else component[:-2]
    with pytest.raises(InvalidTransformation, match=f"Unsupported .* - {name}"):
        parse_component(component)
    with pytest.raises(InvalidTransformation, match=name):
        parse_delivery_path(f"/demo/image/upload/{component}/v1/sample.jpg")


@pytest.mark.parametrize("component", [f"c_{n}" for n in UNSUPPORTED_CROPS] + [f"g_{n}" for n in UNSUPPORTED_GRAVITIES])
def test_unsupported_crop_and_gravity_values_are_named(component):
    value = component.split("_", 1)[1]
    with pytest.raises(InvalidTransformation, match=f"Unsupported (crop|gravity) - {value}"):
        parse_component(component)
