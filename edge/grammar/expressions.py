"""Evaluating conditions (`if_w_gt_300_and_ar_lt_1`), user variables (`$size_200`) and
arithmetic values (`w_iw_div_2`, `w_$size_mul_2`) against the values the plan supplies
(current and initial sizes, page and face counts, tags, context). Pure."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.chain import Chain, Transformation
from edge.grammar.params import PARAMS

_PRECEDENCE = {"^": 3, "*": 2, "/": 2, "%": 2, "+": 1, "-": 1}


def operand_value(operand: tuple[str, Any], variables: Mapping[str, Any]) -> Any:
    kind, value = operand
    if kind in ("number", "string"):
        return value
    if kind == "context":
        return str(variables.get("context", {}).get(value, ""))
    if value not in variables:
        raise InvalidTransformation(f"Undefined variable - {value}")
    return variables[value]


def evaluate(expression: tuple[Any, ...], variables: Mapping[str, Any]) -> Any:
    """Operands and operators alternate; ^ before * / % before + - (left to right within a level)."""
    values = [operand_value(expression[0], variables)]
    operators: list[str] = []
    for index in range(1, len(expression), 2):
        operator, operand = expression[index], operand_value(expression[index + 1], variables)
        while operators and _PRECEDENCE[operators[-1]] >= _PRECEDENCE[operator]:
            _reduce(values, operators)
        operators.append(operator)
        values.append(operand)
    while operators:
        _reduce(values, operators)
    return values[0]


def _reduce(values: list[Any], operators: list[str]) -> None:
    right, left, operator = values.pop(), values.pop(), operators.pop()
    try:
        left, right = float(left), float(right)
        result = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                  "/": lambda: left / right, "%": lambda: left % right, "^": lambda: left**right}[operator]()
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise InvalidTransformation(f"Invalid expression - {left} {operator} {right}") from None
    if not math.isfinite(result):
        raise InvalidTransformation(f"Invalid expression - {left} {operator} {right}")
    values.append(result)


def holds(clauses: tuple[Any, ...], variables: Mapping[str, Any]) -> bool:
    """(left, cmp, right), 'and'|'or', ... with 'and' binding tighter than 'or' (Cloudinary's rule)."""
    groups: list[list[bool]] = [[]]
    for index, item in enumerate(clauses):
        if index % 2:
            if item == "or":
                groups.append([])
            continue
        left, cmp, right = item
        groups[-1].append(_compare(operand_value(left, variables), cmp, operand_value(right, variables)))
    return any(all(group) for group in groups)


def _compare(left: Any, cmp: str, right: Any) -> bool:
    if cmp in ("in", "not in"):
        collection = right if isinstance(right, list | tuple | frozenset | set) else str(right).split(":")
        found = all(item in collection for item in str(left).split(":")) if left != "" else False
        return found if cmp == "in" else not found
    if isinstance(left, str) or isinstance(right, str):
        left_text, right_text = _text(left), _text(right)
        return {"==": left_text == right_text, "!=": left_text != right_text}.get(cmp, False)
    return {"==": math.isclose(left, right, abs_tol=1e-6), "!=": not math.isclose(left, right, abs_tol=1e-6),
            "<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[cmp]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def assign(t: Transformation, variables: dict[str, Any]) -> None:
    """Set the component's $variables (they apply before its other parameters)."""
    for name, expression in t.variables:
        variables[name] = evaluate(expression, variables)


def resolve(t: Transformation, variables: Mapping[str, Any]) -> Transformation:
    """The component with its expression-valued parameters computed and parsed like literals."""
    if not t.expressions:
        return t
    values = {}
    for code, expression in t.expressions:
        result = evaluate(expression, variables)
        if isinstance(result, str):
            raw = result
        elif float(result).is_integer():
            raw = str(int(result))
        else:
            raw = f"{float(result):.6g}"
        spec = PARAMS[code]
        values[spec.name] = spec.parse(raw)
    return dataclasses.replace(t, expressions=(), **values)


def references(chain: Chain, predefined: str) -> bool:
    """Whether a condition, variable or value of the chain reads a predefined variable (by full name)."""
    return _reads(chain, lambda operand: operand == ("predefined", predefined))


def references_metadata(chain: Chain) -> bool:
    """Whether the chain reads the asset's tags or contextual metadata (`tags`, `ctx:!key!`)."""
    return _reads(chain, lambda operand: operand == ("predefined", "tags") or operand[0] == "context")


def _reads(chain: Chain, matches: Any) -> bool:
    def in_expression(expression: tuple[Any, ...]) -> bool:
        return any(matches(item) for item in expression[::2])

    for t in chain.components:
        if t.condition and t.condition[0] == "if":
            if any(matches(clause[0]) or matches(clause[2]) for clause in t.condition[1][::2]):
                return True
        if any(in_expression(e) for _, e in (*t.variables, *t.expressions)):
            return True
    return False
