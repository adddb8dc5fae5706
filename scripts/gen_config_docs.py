"""The configuration reference (docs/configuration.md), generated from the settings dataclasses.

`python scripts/gen_config_docs.py > docs/configuration.md` writes it; tests/test_docs.py checks
that the committed file equals this output, so the reference cannot drift from edge/settings/areas.py.
Only public metadata is read: each area field of `Settings`, each setting's `env` and `doc`
metadata, its annotation and the value a default `Settings()` holds.
"""

from __future__ import annotations

import dataclasses
import html
import sys
from collections.abc import Mapping, Set
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.settings import Secret, Settings  # noqa: E402

# Defaults that depend on the machine the generator runs on: said in words, so the file is stable.
# (None today: EDGE_RENDER_WORKERS and EDGE_SERVER_WORKERS default to 0, "per CPU core", said in their docs.)
MACHINE_DEFAULTS: dict[str, str] = {}

HEADER = """\
# Configuration

Generated from `edge/settings/areas.py` by `python scripts/gen_config_docs.py > docs/configuration.md`;
do not edit by hand (a test fails when this page and the settings disagree).

Every setting has a default. `config/edge.toml` may set it (section = area, key = setting), and
the environment variable overrides both. Settings are read once, at start-up; every problem is
reported together and `edge serve` exits 2. List settings are comma-separated; per-cloud
settings are `cloud=value` pairs, comma-separated. In `config/edge.toml` a list may also be an
array (`strict_clouds = ["shop", "demo"]`) and a map a table (`allowed_domains = { demo = ["a.com"] }`).
"""


def config_reference() -> str:
    """The whole page: one section per settings area, one table row per setting."""
    defaults = Settings()
    parts = [HEADER]
    for area in dataclasses.fields(Settings):
        values = getattr(defaults, area.name)
        parts.append(_area_section(area.name, values))
    return "\n".join(parts)


def _area_section(name: str, values: Any) -> str:
    lines = [f"## `[{name}]`", ""]
    doc = _own_docstring(type(values))
    if doc:
        lines += [" ".join(doc.split()), ""]
    lines += ["| environment variable | key | type | default | description |", "| --- | --- | --- | --- | --- |"]
    for f in dataclasses.fields(values):
        env = f.metadata["env"]
        default = MACHINE_DEFAULTS.get(env) or _default_cell(getattr(values, f.name))
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        lines.append(f"| `{env}` | `{f.name}` | {_code(kind)} | {default} | {_cell(f.metadata['doc'])} |")
    return "\n".join(lines) + "\n"


def _own_docstring(cls: type) -> str:
    """The class's docstring, unless it is the signature dataclasses writes when there is none."""
    doc = cls.__doc__ or ""
    return "" if doc.startswith(f"{cls.__name__}(") else doc.strip()


def render_default(value: Any) -> str:
    """A default as one would write it in the environment: lists comma-separated, maps `k=v,...`."""
    if isinstance(value, Secret):
        return render_default(value.reveal())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ",".join(f"{render_default(k)}={_render_item(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | Set):
        items = sorted(value, key=str) if isinstance(value, Set) else value
        return ",".join(_render_item(v) for v in items)
    return str(value)


def _render_item(value: Any) -> str:
    """An item inside a list or map; a list inside a map is `|`-separated, as in `cloud=a|b`."""
    if isinstance(value, list | tuple | Set) and not isinstance(value, str):
        return "|".join(render_default(v) for v in value)
    return render_default(value)


def _default_cell(value: Any) -> str:
    """The default as code; a whole number of MiB or GiB also in words (`268435456` (256 MiB))."""
    cell = _code(render_default(value))
    if type(value) is int and value >= 2**20 and value % 2**20 == 0:
        cell += f" ({value // 2**30} GiB)" if value % 2**30 == 0 else f" ({value // 2**20} MiB)"
    return cell


def _code(text: str) -> str:
    """A code span in a table cell; an empty default says so in words."""
    if text == "":
        return "*(empty)*"
    if "|" in text or "`" in text:  # no Markdown flavour agrees on a pipe inside a code span in a table
        return "<code>" + html.escape(text).replace("|", "&#124;") + "</code>"
    return f"`{text}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":
    sys.stdout.write(config_reference())
