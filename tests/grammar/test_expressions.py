"""The expression tokenizer and parser beside their evaluator (grammar/expressions.py)."""

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.expressions import evaluate, holds, parse_condition, parse_expression, parse_variable_value, tokens


def test_tokens_keep_strings_and_context_keys_whole():
    assert tokens("ctx:!my_key!_eq_!a_b!") == ["ctx:!my_key!", "eq", "!a_b!"]
    assert tokens("iw_div_2") == ["iw", "div", "2"]


def test_parse_and_evaluate_with_precedence():
    expression = parse_expression("iw_add_2_mul_3_pow_2")
    assert expression[0] == ("predefined", "initial_width")
    assert evaluate(expression, {"initial_width": 10}) == 10 + 2 * 3**2


def test_conditions_bind_and_tighter_than_or():
    clauses = parse_condition("w_gt_100_or_h_gt_100_and_ar_lt_1")[1]
    assert holds(clauses, {"width": 200, "height": 50, "aspect_ratio": 4})
    assert not holds(clauses, {"width": 50, "height": 200, "aspect_ratio": 4})
    assert parse_condition("else") == ("else",) and parse_condition("end") == ("end",)


def test_variable_values_and_bad_input():
    assert parse_variable_value("!a_b!") == (("string", "a_b"),)
    assert parse_variable_value("16:9") == (("number", 16 / 9),)
    for bad in ("iw_foo_2", "w_gt", "w_gt_1_and", "abc"):
        with pytest.raises(InvalidTransformation):
            parse_condition(bad) if "gt" in bad else parse_expression(bad)
    with pytest.raises(InvalidTransformation, match="condition"):
        parse_condition("_".join(["w_gt_1"] * 17).replace("_w", "_and_w"))
