"""Browser tests: a real edge (`edge serve`), a site on ANOTHER origin (a second aiohttp server)
embedding the widgets, Debian's Chromium driven by Playwright (executable_path; no browser download)."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import cloudinary
import cloudinary.api
import cloudinary.utils
import pytest

from tests.helpers.net import free_port, wait_for_port
from tests.helpers.sdk import sdk_configured
from tests.helpers.servers import EdgeNode

KEY, SECRET, CLOUD = "key", "secret", "demo"
SITE = Path(__file__).parent / "site"
ARTIFACTS = Path(os.environ.get("EDGE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts")) / "widgets"


def chromium_path() -> str | None:
    return next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "") if p and os.path.exists(p)), None)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    """One browser for all the browser tests (they live in one module). Module-scoped, not
    session-scoped: sync Playwright keeps an event loop running in this thread while it is open,
    and the aiohttp tests that run after it need to start their own."""
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: `make test` installs Debian's chromium (scripts/with_services.py)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",  # a test pattern as the camera
        ])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> Iterator[EdgeNode]:
    root = tmp_path_factory.mktemp("widgets")
    node = EdgeNode(root, {
        "CLOUDINARY_URL": f"cloudinary://{KEY}:{SECRET}@{CLOUD}",
        "EDGE_STORAGE_URL": f"file://{root / 'storage'}",
        "EDGE_DATABASE_URL": f"sqlite:///{root / 'edge.db'}",
        "EDGE_LIST_CLOUDS": CLOUD,
        "EDGE_LIST_MAX_AGE_SECONDS": "0",
        "EDGE_API_FETCH_ALLOW_PRIVATE": "true",  # the `url` source: the site's image is on loopback
    })
    try:
        node.wait_ready()
        yield node
    finally:
        assert node.stop(timeout=15) == 0


@pytest.fixture
def sdk(edge: EdgeNode) -> Iterator[EdgeNode]:
    with sdk_configured(edge, CLOUD, KEY, SECRET):
        yield edge


@pytest.fixture(scope="module")
def site(edge: EdgeNode) -> Iterator[str]:
    """The embedding site: its own origin (another port), its page, and its signing endpoint."""
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        html = (SITE / "page.html").read_text().replace("{{edge}}", edge.base)
        return web.Response(text=html, content_type="text/html")

    async def script(request: web.Request) -> web.Response:
        return web.Response(text=(SITE / "page.js").read_text(), content_type="text/javascript")

    async def sign(request: web.Request) -> web.Response:
        params = await request.json()
        return web.Response(text=cloudinary.utils.api_sign_request(params, SECRET))

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/page.js", script)
    async def picture(request: web.Request) -> web.Response:
        import pyvips

        image = (pyvips.Image.black(300, 200, bands=3) + [250, 200, 0]).cast("uchar")
        return web.Response(body=image.pngsave_buffer(), content_type="image/png")

    app.router.add_post("/sign", sign)
    app.router.add_get("/pictures/yellow.png", picture)
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def page(browser, site: str, artifacts: Path, request):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda m: page.console_messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.console_messages.append(f"pageerror: {e}"))
    page.goto(site + "/")
    yield page
    page.screenshot(path=str(artifacts / f"{request.node.name}-end.png"))
    context.close()
