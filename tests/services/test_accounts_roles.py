"""docs/roles.md shows the role table of edge/services/accounts_roles.py, and the method groups."""

from __future__ import annotations

from pathlib import Path

from edge.services.accounts_roles import ADMIN_READ, ADMIN_WRITE, CAPABILITIES, ROLES, UPLOAD_METHODS

DOC = Path(__file__).parents[2] / "docs" / "roles.md"


def test_the_documented_role_table_is_the_enforced_one():
    text = DOC.read_text()
    table = text.split("<!-- roles-table:start -->")[1].split("<!-- roles-table:end -->")[0].strip().splitlines()
    header = [cell.strip().strip("`") for cell in table[0].strip("|").split("|")][1:]
    assert header == list(ROLES)
    for row in table[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        capability = cells[0].rsplit("(`", 1)[1].rstrip("`)")
        granted = {role for role, cell in zip(header, cells[1:], strict=True) if cell == "yes"}
        assert granted == {role for role, caps in ROLES.items() if capability in caps}, capability
    assert len(table) - 2 == len(CAPABILITIES)


def test_every_method_is_in_the_documented_groups():
    text = DOC.read_text()
    for name in UPLOAD_METHODS | ADMIN_READ | ADMIN_WRITE:
        assert f"`{name}`" in text, name
    assert ROLES["master_admin"] == frozenset(CAPABILITIES)
