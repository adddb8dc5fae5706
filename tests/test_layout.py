"""The layout rules of issue 9: every module under edge/ opens with a docstring that says what it
holds, and none is over ~400 lines unless it is a declarative table that says so in its first line."""

import ast
from pathlib import Path

import pytest

EDGE = Path(__file__).resolve().parents[1] / "edge"
MAX_LINES = 400
MODULES = sorted(EDGE.rglob("*.py"))


def first_line(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text()))
    return doc.splitlines()[0].strip() if doc else ""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(EDGE.parent)))
def test_each_module_says_what_it_holds_and_stays_small(path):
    line = first_line(path)
    assert line, f"{path.relative_to(EDGE.parent)} has no docstring saying what it holds"
    lines = path.read_text().count("\n")
    if lines > MAX_LINES:
        assert "declarative" in line.lower(), (
            f"{path.relative_to(EDGE.parent)} has {lines} lines: split it, or say in its first line that it is a declarative table"
        )
