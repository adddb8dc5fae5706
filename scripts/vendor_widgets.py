#!/usr/bin/env python3
"""Refresh the widgets' vendored front-end libraries from their npm packages' `dist/` builds.

    scripts/vendor_widgets.py          # fetch the pinned versions (npm pack), copy, rewrite the manifest
    scripts/vendor_widgets.py --check  # verify the files against the manifest (no network)

Each library lands in edge/widgets/static/vendor/<name>-<version>/ with its licence file, and
is listed in vendor/manifest.json (name, version, source file in the package, sha256, licence,
the tarball's npm integrity). Bump a version here and rerun; nothing is fetched at run time.
Needs `npm` (only to refresh, never to run or test).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "edge" / "widgets" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# name, version, files taken from the package (path inside it), licence file, SPDX licence, what for
PACKAGES = [
    ("cropperjs", "1.6.2", ["dist/cropper.esm.js", "dist/cropper.min.css"], "LICENSE", "MIT",
     "Upload Widget: the cropping step (ES module, loaded with import() only when cropping is on)"),
    ("photoswipe", "5.4.4", ["dist/photoswipe.esm.min.js", "dist/photoswipe.css"], "LICENSE", "MIT",
     "Product Gallery: the zoom view (ES module, loaded with import() on the first zoom)"),
    ("axe-core", "4.14.1", ["axe.min.js"], "LICENSE", "MPL-2.0",
     "tests only: the accessibility checks of tests/widgets (never loaded by a widget)"),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(work: Path, name: str, version: str) -> tuple[Path, str]:
    out = subprocess.run(["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(work)],
                         check=True, capture_output=True, text=True, cwd=work).stdout
    info = json.loads(out)[0]
    with tarfile.open(work / info["filename"]) as tar:
        tar.extractall(work / name, filter="data")
    return work / name / "package", info["integrity"]


def refresh() -> None:
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, files, licence_file, licence, purpose in PACKAGES:
            package, integrity = fetch(Path(tmp), name, version)
            folder = VENDOR / f"{name}-{version}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            shutil.copyfile(package / licence_file, folder / "LICENSE")
            for source in files:
                target = folder / Path(source).name
                shutil.copyfile(package / source, target)
                entries.append({
                    "name": name, "version": version, "source": source,
                    "file": f"{folder.name}/{target.name}", "sha256": sha256(target),
                    "licence": licence, "licence_file": f"{folder.name}/LICENSE",
                    "npm_integrity": integrity, "purpose": purpose,
                })
    for stale in VENDOR.iterdir():
        if stale.is_dir() and stale.name not in {f"{n}-{v}" for n, v, *_ in PACKAGES}:
            shutil.rmtree(stale)
    MANIFEST.write_text(json.dumps(entries, indent=2) + "\n")
    print(f"{len(entries)} files from {len(PACKAGES)} packages into {VENDOR}")


def check() -> int:
    problems = [f"{e['file']}: sha256 differs from the manifest" for e in json.loads(MANIFEST.read_text())
                if not (VENDOR / e["file"]).is_file() or sha256(VENDOR / e["file"]) != e["sha256"]]
    print("\n".join(problems) or "vendored files match the manifest")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(check() if "--check" in sys.argv else refresh())
