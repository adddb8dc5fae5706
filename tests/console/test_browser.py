"""The console in Chromium: log in, the dashboard, the Media Library (search, an asset, its tags,
upload), log out; roles, CSRF and escaping. Each step saves a screenshot under
var/test-artifacts/console/ and runs axe-core (no serious or critical violations)."""

from __future__ import annotations

import re
from pathlib import Path

import cloudinary.api
import cloudinary.uploader
import pyvips

from tests.console.conftest import ADMIN, LIBRARIAN

AXE = Path(__file__).resolve().parents[2] / "edge/widgets/static/vendor/axe-core-4.14.1/axe.min.js"
# axe-core, run by the tests, adds an empty <style> the CSP refuses (this hash is the empty string's):
# not the console's doing (a run without axe reports no violation at all).
EMPTY_STYLE = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
XSS_ID = 'x<script>alert(1)</script>"onerror=alert(2)'
XSS_TAG = '"onerror=alert(3) <img src=x onerror=alert(4)>'


def png(path: Path, width: int, height: int, rgb: tuple[int, int, int]) -> Path:
    ((pyvips.Image.black(width, height, bands=3) + list(rgb)).cast("uchar")).pngsave(str(path))
    return path


def serious_axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")  # evaluated by DevTools: the page's CSP refuses script tags
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def look(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert serious_axe_violations(page) == [], name


def log_in(page, who: tuple[str, str]) -> None:
    page.goto("/console/login")
    page.fill("#email", who[0])
    page.fill("#password", who[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def images_loaded(page, selector: str) -> list[int]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.complete ? e.naturalWidth : -1)")


def test_admin_logs_in_searches_opens_an_asset_edits_tags_uploads_and_logs_out(page, sdk, tmp_path, artifacts):
    cloudinary.uploader.upload(str(png(tmp_path / "red.png", 400, 300, (220, 30, 30))), public_id="shop/red", tags=["sale", "red"])
    cloudinary.uploader.upload(str(png(tmp_path / "blue.png", 300, 400, (30, 40, 220))), public_id="shop/blue", tags=["blue"])
    cloudinary.uploader.upload(str(png(tmp_path / "x.png", 200, 200, (20, 160, 60))), public_id=XSS_ID, tags=[XSS_TAG])

    response = page.goto("/console")
    assert page.url.endswith("/console/login") and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    look(page, artifacts, "login")

    page.fill("#email", ADMIN[0])
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert page.text_content("#login-error") == "Invalid email, password or code"
    look(page, artifacts, "login-wrong-password")

    log_in(page, ADMIN)
    cookie = next(c for c in page.context.cookies() if c["name"] == "edge_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
    assert page.text_content("[data-figure=resources]") == "3"
    assert page.is_visible("#environment-select") and page.is_visible("a[href='/console/settings']")
    look(page, artifacts, "dashboard")

    page.click("a[href='/console/library']")
    page.wait_for_selector(".grid .tile img")
    assert page.text_content("#result-count").startswith("3 assets")
    page.wait_for_function("() => [...document.querySelectorAll('.tile img')].every(i => i.complete && i.naturalWidth > 0)")
    assert images_loaded(page, ".tile img") == [240, 240, 240]  # c_fill,w_240,h_240 delivery URLs, decoded
    names = page.eval_on_selector_all(".tile .name", "els => els.map(e => e.textContent)")
    assert XSS_ID in names  # shown as text...
    assert page.eval_on_selector_all(".grid script, .grid img[onerror], .grid [onerror]", "els => els.length") == 0
    assert XSS_TAG in page.eval_on_selector_all(".tile mark", "els => els.map(e => e.textContent)")
    look(page, artifacts, "library")

    page.fill("#q", "tags=sale")  # htmx: the results swap in as one types
    page.wait_for_function("() => document.querySelector('#result-count').textContent.startsWith('1 asset')")
    assert page.eval_on_selector_all(".tile .name", "els => els.map(e => e.textContent)") == ["shop/red"]
    assert "q=tags%3Dsale" in page.url
    look(page, artifacts, "library-search")

    page.click(".tile a")
    page.wait_for_selector("#tags-form")
    assert page.text_content("h1.asset-title") == "shop/red"
    page.wait_for_function("() => document.querySelector('#preview').complete && document.querySelector('#preview').naturalWidth > 0")
    assert page.evaluate("[document.querySelector('#preview').naturalWidth, document.querySelector('#preview').naturalHeight]") == [400, 300]
    look(page, artifacts, "asset")

    page.fill("#tags-input", f"sale,summer,{XSS_TAG}")
    page.click("#tags-form button[type=submit]")
    page.wait_for_selector("#tags-saved")
    assert page.eval_on_selector_all("#tag-list mark", "els => els.map(e => e.textContent)") == ["sale", "summer", XSS_TAG]
    assert cloudinary.api.resource("shop/red")["tags"] == ["sale", "summer", XSS_TAG]  # the Admin API sees the edit
    look(page, artifacts, "asset-tags-saved")

    page.goto("/console/asset?type=upload&public_id=" + re.sub(r"[^\w]", lambda m: f"%{ord(m.group()):02X}", XSS_ID))
    assert page.text_content("h1.asset-title") == XSS_ID
    assert page.eval_on_selector_all("main script, main [onerror]", "els => els.length") == 0
    look(page, artifacts, "asset-xss")

    page.goto("/console/library")
    page.set_input_files("#file", str(png(tmp_path / "green-upload.png", 321, 123, (10, 200, 90))))
    page.fill("#upload-tags", "uploaded")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#tags-form")
    uploaded = page.text_content("h1.asset-title")
    assert uploaded.startswith("green-upload")
    stored = cloudinary.api.resource(uploaded)
    assert (stored["width"], stored["height"], stored["tags"]) == (321, 123, ["uploaded"])
    look(page, artifacts, "uploaded")

    page.click("#logout")
    page.wait_for_url("**/console/login")
    page.goto("/console/library")
    assert page.url.endswith("/console/login")
    (artifacts / "browser-console.txt").write_text("\n".join(page.console_messages))
    assert page.dialogs == []  # no alert() ran anywhere
    assert not [m for m in page.console_messages if ("Content Security Policy" in m and EMPTY_STYLE not in m) or "pageerror" in m]


def test_media_library_user_is_refused_the_settings_page(page, sdk, artifacts):
    log_in(page, LIBRARIAN)
    assert not page.is_visible("a[href='/console/settings']")
    assert page.is_visible("a[href='/console/library']")
    response = page.goto("/console/settings")
    assert response.status == 403
    assert "settings" in page.text_content("#error-message")
    look(page, artifacts, "librarian-settings-403")
    page.goto("/console/library")
    assert page.is_visible("#upload-form") and not page.is_visible("#tags-form")
    page.click(".tile a >> nth=0")
    page.wait_for_selector("h1.asset-title")
    assert not page.is_visible("#tags-form")  # media_library_user: no manage_assets
    forged = page.request.post("/console/asset/tags", form={
        "csrf_token": page.input_value("input[name=csrf_token]"), "public_id": "shop/blue", "tags": "hacked"})
    assert forged.status == 403  # the server refuses, not just the page hiding the form
    assert cloudinary.api.resource("shop/blue")["tags"] == ["blue"]


def test_a_forged_post_without_the_csrf_token_is_refused(page, sdk, artifacts):
    log_in(page, ADMIN)
    forged = page.request.post("/console/asset/tags", form={"public_id": "shop/blue", "tags": "forged"})
    assert forged.status == 403 and "CSRF" in forged.headers["x-cld-error"]
    wrong = page.request.post("/console/asset/tags", form={"csrf_token": "guess", "public_id": "shop/blue", "tags": "forged"})
    assert wrong.status == 403
    assert cloudinary.api.resource("shop/blue")["tags"] == ["blue"]
    token = page.input_value("input[name=csrf_token]")
    allowed = page.request.post("/console/asset/tags", form={"csrf_token": token, "public_id": "shop/blue", "tags": "blue,ok"},
                                max_redirects=0)
    assert allowed.status == 303
    assert cloudinary.api.resource("shop/blue")["tags"] == ["blue", "ok"]
    login = page.request.post("/console/login", form={"email": ADMIN[0], "password": ADMIN[1]})
    assert login.status == 403  # the login form needs its token too (no login CSRF)


def test_the_environment_selector_switches_library_dashboard_and_uploads(page, sdk, tmp_path, artifacts):
    log_in(page, ADMIN)
    options = page.eval_on_selector_all("#environment-select option", "els => els.map(e => [e.value, e.textContent])")
    assert options == [["demo", "demo"], ["shop", "Shop <staging> (shop)"]]  # a display name, escaped
    before = int(page.text_content("[data-figure=resources]"))
    page.select_option("#environment-select", "shop")  # console.js submits the form on change
    page.wait_for_function("() => document.querySelector('main h1 small').textContent === 'Shop <staging>'")
    assert page.text_content("[data-figure=resources]") == "0"
    page.goto("/console/library")
    assert page.text_content("#result-count").startswith("0 assets")
    page.set_input_files("#file", str(png(tmp_path / "shop-item.png", 64, 48, (250, 180, 0))))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#tags-form")
    page.wait_for_function("() => document.querySelector('#preview').complete && document.querySelector('#preview').naturalWidth > 0")
    assert "/shop/image/upload/" in page.get_attribute("#preview", "src")
    page.goto("/console/library")
    assert page.text_content("#result-count").startswith("1 asset")
    look(page, artifacts, "library-other-environment")
    page.select_option("#environment-select", "demo")
    page.wait_for_function("() => document.querySelector('main h1 small').textContent === 'demo'")
    assert page.text_content("#result-count").startswith(f"{before} asset")


def test_dark_theme_follows_the_system_and_passes_axe(browser, edge, sdk, artifacts):
    context = browser.new_context(viewport={"width": 1200, "height": 850}, base_url=edge.base, color_scheme="dark")
    page = context.new_page()
    try:
        log_in(page, ADMIN)
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 200, background  # Pico's dark palette
        look(page, artifacts, "dashboard-dark")
        page.goto("/console/library")
        page.wait_for_selector(".grid .tile img")
        look(page, artifacts, "library-dark")
    finally:
        context.close()


def test_an_error_from_the_service_shows_in_place_escaped(page, sdk, tmp_path, artifacts):
    cloudinary.uploader.upload(str(png(tmp_path / "gone.png", 40, 40, (90, 90, 90))), public_id="gone<b>soon</b>")
    log_in(page, ADMIN)
    page.goto("/console/asset?type=upload&public_id=gone%3Cb%3Esoon%3C%2Fb%3E")
    page.wait_for_selector("#tags-form")
    cloudinary.api.delete_resources(["gone<b>soon</b>"])
    page.fill("#tags-input", "late")
    page.click("#tags-form button[type=submit]")
    page.wait_for_selector("#error-message")
    message = page.text_content("#error-message")
    assert message.startswith("404: ") and "gone<b>soon</b>" in message  # the service's message, as text
    assert page.eval_on_selector_all("#tags b", "els => els.length") == 0
    look(page, artifacts, "asset-error-in-place")
