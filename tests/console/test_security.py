"""The console's checks over HTTP (no browser): on/off, headers, cookie flags, the idle timeout,
log in and its throttle, the vendored files' checksums."""

from __future__ import annotations

import asyncio
import io
import re

from edge.console.vendor import check_sync

ADMIN = {"EDGE_ADMIN_EMAIL": "admin@example.com", "EDGE_ADMIN_PASSWORD": "correct-horse-battery",
         "EDGE_SECRET_KEY": "console-unit-secret-0123456789", "CLOUDINARY_URL": "cloudinary://key:secret@demo"}


async def csrf_of(client, path: str = "/console/login") -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def log_in(client, password: str = ADMIN["EDGE_ADMIN_PASSWORD"]):
    token = await csrf_of(client)
    return await client.post("/console/login", data={"email": ADMIN["EDGE_ADMIN_EMAIL"], "password": password,
                                                       "csrf_token": token}, allow_redirects=False)


async def test_the_console_is_on_by_default_and_a_setting_removes_it(client_for, make_settings):
    on = await client_for(make_settings(**ADMIN))
    response = await on.get("/console/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"
    assert (await on.get("/console", allow_redirects=False)).headers["Location"] == "/console/"
    off = await client_for(make_settings(**ADMIN, EDGE_CONSOLE_ENABLED="false"))
    assert (await off.get("/console/login")).status == 404
    assert (await off.get("/console/static/console.js")).status == 404


async def test_pages_carry_a_strict_csp_and_the_cookie_is_httponly_lax(client_for, make_settings):
    client = await client_for(make_settings(**ADMIN))
    response = await client.get("/console/login")
    assert response.status == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe" not in csp
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie and "Secure" not in cookie
    body = await response.text()
    assert re.findall(r"<script(?![^>]*\bsrc=)", body) == []  # no inline script...
    assert re.findall(r"<[^>]*\son[a-z]+\s*=", body) == []  # ...nor inline handlers
    assert re.findall(r"<[^>]*\sstyle\s*=", body) == []


async def test_secure_cookie_setting_marks_the_cookie_secure(client_for, make_settings):
    client = await client_for(make_settings(**ADMIN, EDGE_CONSOLE_SECURE_COOKIE="true"))
    assert "Secure" in (await client.get("/console/login")).headers["Set-Cookie"]


async def test_login_wrong_password_then_throttled_then_right_one_refused_while_locked(client_for, make_settings):
    client = await client_for(make_settings(**ADMIN))
    for _ in range(5):
        assert (await log_in(client, "wrong-password")).status == 401
    locked = await log_in(client)
    assert locked.status == 429 and "Too many failed logins" in await locked.text()


async def test_an_idle_session_is_logged_out(client_for, make_settings):
    client = await client_for(make_settings(**ADMIN, EDGE_CONSOLE_IDLE_SECONDS="1"))
    assert (await log_in(client)).headers["Location"] == "/console/"
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    await asyncio.sleep(1.3)
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"


async def test_static_files_are_served_and_vendored_files_match_their_manifest(client_for, make_settings):
    assert check_sync() == []
    client = await client_for(make_settings(**ADMIN))
    response = await client.get("/console/static/vendor/htmx.org-2.0.4/htmx.min.js")
    assert response.status == 200 and "javascript" in response.headers["Content-Type"]


async def test_two_factor_login_needs_the_current_code_and_a_recovery_code_works_once(client_for, make_settings):
    import urllib.parse

    import pyotp

    from edge.http.provisioning import ACCOUNTS

    client = await client_for(make_settings(**ADMIN))
    users = client.app[ACCOUNTS].users
    admin = await users.by_email(ADMIN["EDGE_ADMIN_EMAIL"])
    uri, recovery = await users.enable_totp(admin.id)
    seed = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["secret"][0]

    async def attempt(code: str):
        token = await csrf_of(client)
        return await client.post("/console/login", allow_redirects=False, data={
            "email": ADMIN["EDGE_ADMIN_EMAIL"], "password": ADMIN["EDGE_ADMIN_PASSWORD"], "code": code, "csrf_token": token})

    assert (await attempt("")).status == 401
    assert (await attempt("000000" if pyotp.TOTP(seed).now() != "000000" else "111111")).status == 401
    assert (await attempt(pyotp.TOTP(seed).now())).headers["Location"] == "/console/"
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    await client.post("/console/logout", data={"csrf_token": await csrf_of(client, "/console/")}, allow_redirects=False)
    assert (await client.get("/console/", allow_redirects=False)).status == 303
    assert (await attempt(recovery[0])).status == 303
    await client.post("/console/logout", data={"csrf_token": await csrf_of(client, "/console/")}, allow_redirects=False)
    assert (await attempt(recovery[0])).status == 401  # single use


async def test_roles_are_checked_on_the_server_and_a_disabled_user_is_out_at_once(client_for, make_settings):
    from edge.http.provisioning import ACCOUNTS

    client = await client_for(make_settings(**ADMIN))
    users = client.app[ACCOUNTS].users
    made = await users.create({"email": "reports@example.com", "name": "Reports", "role": "reports"})
    await users.set_password(made["id"], "reports-password-1")
    token = await csrf_of(client)
    login = await client.post("/console/login", allow_redirects=False, data={
        "email": "reports@example.com", "password": "reports-password-1", "csrf_token": token})
    assert login.status == 303
    dashboard = await client.get("/console/")
    assert dashboard.status == 200 and 'href="/console/library"' not in await dashboard.text()
    for path in ("/console/library", "/console/asset?public_id=x", "/console/settings"):
        refused = await client.get(path)
        assert refused.status == 403, path
        assert refused.headers["X-Cld-Error"].startswith("Your role may not do this")
    upload = await client.post("/console/upload", data={"csrf_token": token, "file": io.BytesIO(b"x")})
    assert upload.status == 403

    await users.update(made["id"], {"enabled": False})
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"
