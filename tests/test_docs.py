"""The documentation: the README's quick start works as written, the site builds with --strict,
and the configuration reference is the one generated from the settings (it cannot drift)."""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import pyvips

from edge import samples
from edge.settings import Secret, Settings

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"
GENERATED = {"transformations.md", "configuration.md"}


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_config_docs", REPO / "scripts" / "gen_config_docs.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _settings_envs() -> list[str]:
    defaults = Settings()
    return [f.metadata["env"] for area in dataclasses.fields(Settings) for f in dataclasses.fields(getattr(defaults, area.name))]


# -- the configuration reference ------------------------------------------------------------

def test_committed_configuration_reference_is_the_generated_one():
    assert (DOCS / "configuration.md").read_text() == _generator().config_reference(), (
        "run: python scripts/gen_config_docs.py > docs/configuration.md"
    )


def test_every_setting_has_one_row_with_its_default():
    text = (DOCS / "configuration.md").read_text()
    for env in _settings_envs():
        rows = [line for line in text.splitlines() if line.startswith(f"| `{env}` |")]
        assert len(rows) == 1, env
        assert rows[0].count(" | ") == 4, rows[0]  # env, key, type, default, description
    assert "| `EDGE_CACHE_MEMORY_BYTES` | `memory_bytes` | `int` | `268435456` (256 MiB) |" in text
    assert "| `EDGE_RENDER_WORKERS` | `workers` | `int` | `0` |" in text  # 0 = per core: not this machine's count
    assert "| `CLOUDINARY_URL` | `url` | `Secret` | `cloudinary://edge:edge-secret@demo` |" in text


def test_list_and_map_defaults_render_as_they_are_written_in_the_environment():
    render = _generator().render_default
    assert render(("Surrogate-Key", "Cache-Tag")) == "Surrogate-Key,Cache-Tag"
    assert render(["a", "b"]) == "a,b"
    assert render(frozenset({"b", "a"})) == "a,b"
    assert render(()) == ""
    assert render(MappingProxyType({"demo": ("images.example.com", "*.cdn.example.org"), "other": "x.org"})) == (
        "demo=images.example.com|*.cdn.example.org,other=x.org"
    )
    assert render(Secret("cloudinary://k:s@demo")) == "cloudinary://k:s@demo"
    assert render({"demo": Secret("ab12")}) == "demo=ab12"
    assert (render(True), render(2.5), render(0)) == ("true", "2.5", "0")
    code = _generator()._code
    assert code("") == "*(empty)*"
    assert code("a|b") == "<code>a&#124;b</code>"  # a pipe would split the table row


def test_docs_name_only_real_settings():
    known = set(_settings_envs())
    for page in [README, *(p for p in DOCS.glob("*.md") if p.name not in GENERATED)]:
        for name in set(re.findall(r"\b(?:EDGE|CLOUDINARY)_[A-Z0-9_*]*[A-Z0-9*]", page.read_text())):
            assert fnmatch.filter(known, name), f"{page.name} names {name}, which is no setting"


# -- the site -------------------------------------------------------------------------------

def test_site_builds_strictly(tmp_path):
    """Broken links, anchors or a page missing from nav are warnings, which --strict turns into failure."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "architecture" / "index.html").exists()
    assert (tmp_path / "site" / "configuration" / "index.html").exists()


def test_parameter_table_lists_each_parameter_once():
    table = (DOCS / "delivery.md").read_text().split("| param | meaning |", 1)[1].split("\n\n", 1)[0]
    names = [n for line in table.splitlines()[2:] for n in re.findall(r"`(\w+)`", line.split("|")[1])]
    assert names and len(names) == len(set(names)), names


# -- the README -----------------------------------------------------------------------------

def test_readme_starts_with_the_two_commands_and_stays_short():
    text = README.read_text()
    assert text.startswith("# edge\n\n```bash\nmake run ")
    assert text.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()[1].startswith("make test ")
    assert len(text.encode()) < 10_000


def test_readme_links_resolve_and_reach_every_page():
    text = README.read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    for link in links:
        if not link.startswith("http"):
            assert (REPO / link).exists(), link
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md") if p.name != "index.md"}
    assert pages <= set(links), pages - set(links)
    assert "benchmarks/README.md" in links and "docs/architecture.md" in links


def _cheat_sheet() -> list[str]:
    table = README.read_text().split("| URL tail | gives |", 1)[1].split("\n\n", 1)[0]
    return [line.split("`")[1] for line in table.splitlines()[2:]]


async def test_every_cheat_sheet_url_answers_an_image(client, storage):
    samples.install(storage, "demo")
    tails = _cheat_sheet()
    assert len(tails) >= 8
    for tail in tails:
        response = await client.get(f"/demo/image/upload/{tail}", headers={"Accept": "image/avif,image/webp,*/*"})
        body = await response.read()
        assert response.status == 200, (tail, response.headers.get("X-Cld-Error"))
        image = pyvips.Image.new_from_buffer(body, "")
        assert image.width > 0, tail
        if tail.startswith("c_fill,g_auto,w_400,h_300/"):
            assert (image.width, image.height) == (400, 300)
        if tail.startswith("c_thumb,g_face,w_200,h_200/"):
            assert (image.width, image.height) == (200, 200)
        if tail.startswith("w_300,f_auto"):
            assert response.headers["Content-Type"] == "image/avif" and image.width == 300
