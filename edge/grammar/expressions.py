"""Conditions (`if_w_gt_300_and_ar_lt_1`), user variables (`$size_200`) and arithmetic values
(`w_iw_div_2`, `w_$size_mul_2`): their tokenizer and parser, and their evaluation against the
values the plan supplies (current and initial sizes, page and face counts, tags, context). Pure.

An operand is `(kind, value)`: ('number', 1.5) | ('variable', '$x') | ('predefined', 'width') |
('string', 's') | ('context', 'key'). An expression alternates operands and operator symbols;
a condition is ('if', ((left, cmp, right), 'and'|'or', ...)) | ('else',) | ('end',).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from edge.errors import InvalidTransformation
from edge.grammar.parsers import invalid, number, parse_aspect_ratio

if TYPE_CHECKING:
    from edge.grammar.chain import Chain, Transformation

# Predefined variables, by short name -> full name; the plan supplies their values.
PREDEFINED_VARIABLES = {
    "w": "width", "h": "height", "ar": "aspect_ratio", "iw": "initial_width", "ih": "initial_height",
    "iar": "initial_aspect_ratio", "pc": "page_count", "fc": "face_count", "cp": "current_page",
    "tags": "tags", "ctx": "context",
}
COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "lte": "<=", "gte": ">=", "in": "in", "nin": "not in"}
ARITHMETIC = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%", "pow": "^"}
MAX_CLAUSES = 16
_VARIABLE = re.compile(r"\$[a-zA-Z][a-zA-Z0-9]{0,30}")
_STRING = re.compile(r"!([^!]*)!")
_CTX = re.compile(r"ctx:!([^!]+)!")
_PRECEDENCE = {"^": 3, "*": 2, "/": 2, "%": 2, "+": 1, "-": 1}


# --- tokens and parsing ----------------------------------------------------------------------

def tokens(raw: str) -> list[str]:
    """Split on '_' but keep `!strings with_underscores!` and `ctx:!key!` whole."""
    out: list[str] = []
    current = ""
    in_string = False
    for char in raw:
        if char == "!":
            in_string = not in_string
        if char == "_" and not in_string:
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return out


def is_variable_key(code: str) -> bool:
    return bool(_VARIABLE.fullmatch(code))


def looks_like_expression(raw: str) -> bool:
    parts = tokens(raw)
    return "$" in raw or parts[0] in PREDEFINED_VARIABLES or (len(parts) >= 3 and parts[1] in ARITHMETIC)


def _operand(token: str, raw: str) -> tuple[str, Any]:
    if _VARIABLE.fullmatch(token):
        return ("variable", token)
    if token in PREDEFINED_VARIABLES:
        return ("predefined", PREDEFINED_VARIABLES[token])
    if (match := _STRING.fullmatch(token)) is not None:
        return ("string", match.group(1))
    if (match := _CTX.fullmatch(token)) is not None:
        return ("context", match.group(1))
    if ":" in token and all(number(p) is not None for p in token.split(":")) and token.count(":") == 1:
        return ("number", parse_aspect_ratio(token))
    value = number(token)
    if value is None:
        raise invalid("expression", raw)
    return ("number", value)


def parse_expression(raw: str) -> tuple[Any, ...]:
    """`iw_div_2_add_$pad` -> (operand, op, operand, ...) with operators by full symbol."""
    parts = tokens(raw)
    if len(parts) % 2 == 0:
        raise invalid("expression", raw)
    out: list[Any] = []
    for index, token in enumerate(parts):
        if index % 2:
            if token not in ARITHMETIC:
                raise invalid("expression operator", token)
            out.append(ARITHMETIC[token])
        else:
            out.append(_operand(token, raw))
    return tuple(out)


def parse_condition(raw: str) -> tuple[Any, ...]:
    """`else`, `end`, or `<operand>_<cmp>_<operand>[_and|_or_...]`: ('if', ((left, cmp, right), 'and', ...))."""
    if raw in ("else", "end"):
        return (raw,)
    clauses: list[Any] = []
    current: list[str] = []
    for token in [*tokens(raw), "or"]:
        if token in ("and", "or"):
            if len(current) != 3 or current[1] not in COMPARISONS:
                raise invalid("condition", raw)
            left, cmp, right = current
            clauses.append((_operand(left, raw), COMPARISONS[cmp], _operand(right, raw)))
            clauses.append(token)
            current = []
        else:
            current.append(token)
    if len(clauses) > 2 * MAX_CLAUSES:
        raise invalid("condition", raw)
    return ("if", tuple(clauses[:-1]))


def parse_variable_value(raw: str) -> tuple[Any, ...]:
    """`$name_<value>`: a number, a !string!, or an expression."""
    if (match := _STRING.fullmatch(raw)) is not None:
        return (("string", match.group(1)),)
    return parse_expression(raw)


# --- evaluation ------------------------------------------------------------------------------

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


def as_literal(value: Any) -> str:
    """An evaluated value written as a URL value, to be parsed like one the URL gave."""
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return str(int(value))
    return f"{float(value):.6g}"


def assign(t: Transformation, variables: dict[str, Any]) -> None:
    """Set the component's $variables (they apply before its other parameters)."""
    for name, expression in t.variables:
        variables[name] = evaluate(expression, variables)


def references(chain: Chain, predefined: str) -> bool:
    """Whether a condition, variable or value of the chain reads a predefined variable (by full name)."""
    return _reads(chain, lambda operand: operand == ("predefined", predefined))


def references_metadata(chain: Chain) -> bool:
    """Whether the chain reads the asset's tags or contextual metadata (`tags`, `ctx:!key!`)."""
    return _reads(chain, lambda operand: operand == ("predefined", "tags") or operand[0] == "context")


def _reads(chain: Chain, matches: Callable[[tuple[str, Any]], bool]) -> bool:
    def in_expression(expression: tuple[Any, ...]) -> bool:
        return any(matches(item) for item in expression[::2])

    for t in chain.components:
        if t.condition and t.condition[0] == "if":
            if any(matches(clause[0]) or matches(clause[2]) for clause in t.condition[1][::2]):
                return True
        if any(in_expression(e) for _, e in (*t.variables, *t.expressions)):
            return True
    return False
