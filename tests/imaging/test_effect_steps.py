"""The grammar -> pipeline contract of the effects: every effect's parsed argument record is the
one its step reads, checked both ways (imaging/effects/__init__.py STEPS, grammar/effects.py)."""

import pytest
import pyvips

from edge.grammar.effect_args import Effect, Level, NoArgs
from edge.grammar.effects import EFFECTS, parse_effect
from edge.imaging.effects import STEPS, apply_filter
from edge.imaging.ops import Filter


def test_every_effect_has_a_step_reading_the_record_the_grammar_yields():
    assert set(STEPS) == set(EFFECTS)
    mismatched = {name: (spec.record.__name__, STEPS[name].record.__name__)
                  for name, spec in EFFECTS.items() if STEPS[name].record is not spec.record}
    assert not mismatched


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_parsing_an_effect_yields_its_declared_record(name):
    text = "replace_color:red" if name == "replace_color" else name
    effect = parse_effect(text)
    assert type(effect.args) is EFFECTS[name].record


def test_a_step_given_another_record_is_a_programming_error():
    image = (pyvips.Image.black(4, 4) + [10, 20, 30]).cast("uchar").copy(interpretation="srgb")
    with pytest.raises(TypeError, match="e_sepia expects Level, got NoArgs"):
        apply_filter(image, Filter(Effect("sepia", NoArgs())))
    assert apply_filter(image, Filter(Effect("sepia", Level(80.0)))).bands == 3
