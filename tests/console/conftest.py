"""The console in Chromium: a real edge (`edge serve`) with a first administrator and a
media_library_user, Debian's Chromium driven by Playwright (executable_path; no download)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cloudinary
import pytest

from tests.helpers.servers import EdgeNode
from tests.widgets.conftest import chromium_path

KEY, SECRET, CLOUD = "key", "secret", "demo"
ADMIN = ("admin@example.com", "correct-horse-battery")
LIBRARIAN = ("librarian@example.com", "librarian-password-1")
ARTIFACTS = Path(os.environ.get("EDGE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts")) / "console"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    """Module-scoped: sync Playwright keeps an event loop running in this thread while it is open."""
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: `make test` installs Debian's chromium (scripts/with_services.py)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> Iterator[EdgeNode]:
    root = tmp_path_factory.mktemp("console")
    environ = {
        "CLOUDINARY_URL": f"cloudinary://{KEY}:{SECRET}@{CLOUD}",
        "EDGE_STORAGE_URL": f"file://{root / 'storage'}",
        "EDGE_DATABASE_URL": f"sqlite:///{root / 'edge.db'}",
        "EDGE_SECRET_KEY": "console-test-secret-key-0123456789",
        "EDGE_ADMIN_EMAIL": ADMIN[0],
        "EDGE_ADMIN_PASSWORD": ADMIN[1],
    }
    node = EdgeNode(root, environ)
    try:
        node.wait_ready()
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_")} | environ
        subprocess.run([sys.executable, "-m", "edge", "envs", "create", "shop", "--name", "Shop <staging>"],
                       env=env, cwd=root, check=True, capture_output=True)
        subprocess.run(
            [sys.executable, "-m", "edge", "users", "create", "--email", LIBRARIAN[0], "--name", "Librarian",
             "--role", "media_library_user", "--password-stdin"],
            input=LIBRARIAN[1], text=True, env=env, cwd=root, check=True, capture_output=True,
        )
        yield node
    finally:
        assert node.stop(timeout=15) == 0


@pytest.fixture
def sdk(edge: EdgeNode) -> Iterator[EdgeNode]:
    cloudinary.reset_config()
    cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
                      cname=f"127.0.0.1:{edge.port}", upload_prefix=edge.base)
    yield edge
    cloudinary.reset_config()


@pytest.fixture
def page(browser, edge: EdgeNode, artifacts: Path, request):
    context = browser.new_context(viewport={"width": 1200, "height": 850}, base_url=edge.base)
    page = context.new_page()
    page.console_messages = []
    page.dialogs = []
    page.on("console", lambda m: page.console_messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.console_messages.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    page.screenshot(path=str(artifacts / f"{request.node.name}-end.png"), full_page=True)
    context.close()
