import os
from pathlib import Path

import pytest

from edge.errors import ResourceNotFound, SourceTooLarge
from edge.origins.local import LocalOriginStore


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "demo" / "shoes").mkdir(parents=True)
    (tmp_path / "demo" / "shoes" / "red.jpg").write_bytes(b"jpeg bytes")
    (tmp_path / "demo" / "logo.png").write_bytes(b"png bytes")
    (tmp_path / "demo" / "logo.webp").write_bytes(b"webp bytes")
    (tmp_path / "demo" / "my.photo.png").write_bytes(b"dotted")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "secret.jpg").write_bytes(b"another cloud")
    return tmp_path


async def test_public_id_is_path_without_extension(root: Path):
    store = LocalOriginStore(root)
    version = await store.locate("demo", "shoes/red")
    assert await store.read(version, 1000) == b"jpeg bytes"
    assert (await store.read(await store.locate("demo", "logo"), 1000)) == b"png bytes"  # .png preferred
    assert (await store.read(await store.locate("demo", "my.photo"), 1000)) == b"dotted"


@pytest.mark.parametrize(
    "public_id",
    ["../other/secret", "shoes/../../other/secret", "/etc/passwd", "..", "shoes/./red", "shoes//red", "missing", "shoes"],
)
async def test_traversal_and_missing_are_not_found(root: Path, public_id: str):
    with pytest.raises(ResourceNotFound):
        await LocalOriginStore(root).locate("demo", public_id)


async def test_symlinks_out_of_the_root_are_refused(root: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "private.jpg").write_bytes(b"outside")
    os.symlink(outside / "private.jpg", root / "demo" / "link.jpg")
    os.symlink(outside, root / "demo" / "linkdir")
    store = LocalOriginStore(root)
    with pytest.raises(ResourceNotFound):
        await store.locate("demo", "link")
    with pytest.raises(ResourceNotFound):
        await store.locate("demo", "linkdir/private")
    os.symlink(root / "demo" / "shoes" / "red.jpg", root / "demo" / "inside.jpg")
    assert await store.read(await store.locate("demo", "inside"), 100) == b"jpeg bytes"  # inside is fine


async def test_replaced_original_changes_the_version(root: Path):
    store = LocalOriginStore(root, revalidate_seconds=0)
    before = await store.locate("demo", "shoes/red")
    path = root / "demo" / "shoes" / "red.jpg"
    path.write_bytes(b"a new, longer original")
    after = await store.locate("demo", "shoes/red")
    assert before.token != after.token


async def test_lookups_are_cached_for_the_revalidate_window(root: Path):
    store = LocalOriginStore(root, revalidate_seconds=60)
    first = await store.locate("demo", "shoes/red")
    (root / "demo" / "shoes" / "red.jpg").write_bytes(b"changed!!!!!!!!!!!")
    assert await store.locate("demo", "shoes/red") == first


async def test_size_cap(root: Path):
    store = LocalOriginStore(root)
    with pytest.raises(SourceTooLarge):
        await store.read(await store.locate("demo", "shoes/red"), 5)


async def test_chunked_parts_assemble_and_abandoned_ones_are_swept(tmp_path):
    import os
    import time

    from edge.origins.local import LocalOriginStore

    store = LocalOriginStore(tmp_path)
    assert await store.add_part("u1", 0, b"abc", 6) is None
    assert await store.add_part("u1", 3, b"def", 6) == b"abcdef"
    assert await store.add_part("old", 0, b"x", 10) is None
    stale = tmp_path / ".edge" / "parts" / "old"
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert await store.add_part("new", 0, b"y", 10) is None
    assert not stale.exists() and (tmp_path / ".edge" / "parts" / "new").is_dir()
