"""Refresh or check the console's vendored front-end files: `python -m edge.console.vendor [--check]`.

Each entry of static/vendor/manifest.json is a file of an npm package's published tarball
(`npm pack <name>@<version>`: the dist build, no Node build step). `--check` verifies the
sha256 of every vendored file; without it the tarballs are fetched with npm and the files,
their licences and the checksums rewritten (change `version` in the manifest first)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


def check_sync() -> list[str]:
    """The files whose bytes do not match the manifest (empty when all do)."""
    wrong = []
    for entry in json.loads(MANIFEST.read_text()):
        path = VENDOR / entry["file"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            wrong.append(entry["file"])
        if not (VENDOR / entry["licence_file"]).is_file():
            wrong.append(entry["licence_file"])
    return wrong


def refresh_sync() -> None:
    entries = json.loads(MANIFEST.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            spec = f"{entry['name']}@{entry['version']}"
            out = subprocess.run(["npm", "pack", spec, "--json"], cwd=tmp, check=True, capture_output=True, text=True)
            packed = json.loads(out.stdout)[0]
            folder = (VENDOR / entry["file"]).parent
            folder.mkdir(parents=True, exist_ok=True)
            with tarfile.open(Path(tmp) / packed["filename"]) as tar:
                data = tar.extractfile(f"package/{entry['source']}").read()  # type: ignore[union-attr]
                licence = next(m for m in tar.getmembers() if m.name.lower().startswith("package/licen"))
                (VENDOR / entry["licence_file"]).write_bytes(tar.extractfile(licence).read())  # type: ignore[union-attr]
            (VENDOR / entry["file"]).write_bytes(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["npm_integrity"] = packed["integrity"]
    MANIFEST.write_text(json.dumps(entries, indent=2) + "\n")


if __name__ == "__main__":
    if "--check" in sys.argv:
        bad = check_sync()
        print("\n".join(bad) or "ok")
        sys.exit(1 if bad else 0)
    refresh_sync()
