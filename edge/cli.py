"""`edge upload`, `edge import`, `edge keys new`: a small client of a running edge's Upload API.

Requests are signed exactly as the SDK signs them, with the CLOUDINARY_URL credentials.
`import` is concurrent and resumable: it first lists what the server already has and skips
every file whose MD5 equals the stored etag, so a rerun after an interruption only sends
what is missing or changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from edge.signing import ApiKey, api_signature, new_key_pair, parse_cloudinary_url

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".heic", ".tif", ".tiff"}


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    key: ApiKey


def keys_new(cloud: str) -> str:
    key, secret = new_key_pair()
    return f"cloudinary://{key}:{secret}@{cloud}"


def target(base_url: str, cloudinary_url: str) -> Target:
    return Target(base_url.rstrip("/"), parse_cloudinary_url(cloudinary_url))


async def upload_one(session: aiohttp.ClientSession, to: Target, path: Path, params: dict[str, str]) -> dict[str, Any]:
    params = {k: v for k, v in params.items() if v} | {"timestamp": str(int(time.time()))}
    params["signature"] = api_signature(params, to.key.secret)
    params["api_key"] = to.key.key
    form = aiohttp.FormData(params)
    form.add_field("file", path.read_bytes(), filename=path.name)
    async with session.post(f"{to.base_url}/v1_1/{to.key.cloud}/image/upload", data=form) as response:
        body = await response.json(content_type=None)
        if "error" in body:
            raise RuntimeError(f"{path}: {response.status} {body['error']['message']}")
        return body


async def existing_etags(session: aiohttp.ClientSession, to: Target, prefix: str) -> dict[str, str]:
    auth = aiohttp.BasicAuth(to.key.key, to.key.secret)
    found: dict[str, str] = {}
    cursor = ""
    while True:
        query = {"prefix": prefix, "max_results": "500", **({"next_cursor": cursor} if cursor else {})}
        async with session.get(f"{to.base_url}/v1_1/{to.key.cloud}/resources/image/upload", params=query, auth=auth) as response:
            body = await response.json(content_type=None)
            if "error" in body:
                raise RuntimeError(f"listing: {response.status} {body['error']['message']}")
        found.update({r["public_id"]: r["etag"] for r in body["resources"]})
        cursor = body.get("next_cursor", "")
        if not cursor:
            return found


def public_id_for(root: Path, path: Path, folder: str) -> str:
    relative = path.relative_to(root).with_suffix("").as_posix()
    return f"{folder.strip('/')}/{relative}" if folder.strip("/") else relative


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


class Progress:
    def __init__(self, total: int, out: Any = sys.stderr) -> None:
        self.total, self.done, self.out = total, 0, out

    def step(self) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        self.out.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {self.done}/{self.total}")
        if self.done == self.total:
            self.out.write("\n")
        self.out.flush()


async def upload_files(to: Target, paths: Iterable[Path], folder: str, tags: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        return [
            await upload_one(session, to, path, {"public_id": path.stem, "folder": folder, "tags": tags, "overwrite": "1"})
            for path in paths
        ]


async def import_dir(to: Target, root: Path, folder: str = "", tags: str = "", concurrency: int = 8) -> tuple[int, int]:
    """(uploaded, skipped). Public ids mirror the folder layout."""
    files = _images(root)
    async with aiohttp.ClientSession() as session:
        have = await existing_etags(session, to, folder.strip("/") + "/" if folder.strip("/") else "")
        todo = []
        for path in files:
            public_id = public_id_for(root, path, folder)
            if have.get(public_id) != hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest():
                todo.append((path, public_id))
        progress = Progress(len(todo))
        gate = asyncio.Semaphore(concurrency)

        async def one(path: Path, public_id: str) -> None:
            async with gate:
                await upload_one(session, to, path, {"public_id": public_id, "tags": tags, "overwrite": "1"})
            progress.step()

        await asyncio.gather(*(one(p, i) for p, i in todo))
    return len(todo), len(files) - len(todo)
