"""`fetch` delivery against a local image server that only an explicit setting lets us reach.

The SDK builds every URL (`cloudinary_url(url, type="fetch")`). The guard is tested both ways:
the lifted address:port works; every other private address class is refused before any
connection, redirects into them are refused, and the test server sees no request.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import cloudinary.utils
import pytest
from aiohttp import web

from tests.helpers.images import decode, geometry_jpeg, geometry_png, loader

SECRET = "edge-secret"


def url(remote: str, **options) -> str:
    built = cloudinary.utils.cloudinary_url(remote, type="fetch", cloud_name="demo", api_secret=SECRET, secure=False,
                                            cname="edge.test", **options)[0]
    return built.split("edge.test", 1)[1]


@pytest.fixture
async def remote(aiohttp_server):
    """An image server on loopback counting the requests it sees, by path."""
    seen: Counter[str] = Counter()
    conditional: list[str] = []

    async def image(request: web.Request) -> web.Response:
        seen[request.path] += 1
        if request.headers.get("If-None-Match") == '"v1"':
            conditional.append(request.path)
            return web.Response(status=304, headers={"ETag": '"v1"'})
        cache = "max-age=0" if request.path.startswith("/stale") else "max-age=600"
        return web.Response(body=geometry_png(), content_type="image/png", headers={"ETag": '"v1"', "Cache-Control": cache})

    async def jpeg(request: web.Request) -> web.Response:
        seen[request.path] += 1
        return web.Response(body=geometry_jpeg(), content_type="image/jpeg")

    async def html(request: web.Request) -> web.Response:
        seen[request.path] += 1
        return web.Response(text="<html><script>alert(1)</script></html>", content_type="image/png")

    async def svg(request: web.Request) -> web.Response:
        seen[request.path] += 1
        return web.Response(text='<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                            content_type="image/svg+xml")

    async def redirect(request: web.Request) -> web.Response:
        seen[request.path] += 1
        raise web.HTTPFound(request.query["to"])

    async def slow(request: web.Request) -> web.Response:
        seen[request.path] += 1
        await asyncio.sleep(3)
        return web.Response(body=geometry_png(), content_type="image/png")

    async def missing(request: web.Request) -> web.Response:
        seen[request.path] += 1
        raise web.HTTPNotFound()

    app = web.Application()
    for route, handler in (("/img/{name}", image), ("/stale/{name}", image), ("/photo.jpg", jpeg), ("/page.png", html),
                           ("/vector.svg", svg), ("/go", redirect), ("/slow.png", slow), ("/gone.png", missing)):
        app.router.add_get(route, handler)
    server = await aiohttp_server(app)
    server.seen = seen
    server.conditional = conditional
    server.base = f"http://127.0.0.1:{server.port}"
    return server


@pytest.fixture
def fetch_settings(make_settings, remote):
    def make(**extra):
        values = {"EDGE_FETCH_ALLOWED_DOMAINS": "demo=127.0.0.1", "EDGE_FETCH_LIFT_GUARD": f"127.0.0.1:{remote.port}"}
        return make_settings(**{**values, **extra})
    return make


async def test_fetch_is_off_by_default(client, remote):
    response = await client.get(url(f"{remote.base}/img/a.png", width=50, crop="scale"))
    assert response.status == 403 and "Fetch not allowed" in response.headers["X-Cld-Error"]
    assert not remote.seen


async def test_fetch_transforms_a_remote_image(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings())
    response = await client.get(url(f"{remote.base}/img/a.png", width=50, crop="scale"))
    assert response.status == 200, response.headers.get("X-Cld-Error")
    image = decode(await response.read())
    assert image.width == 50 and response.headers["Content-Type"] == "image/png"
    assert "Surrogate-Key" in response.headers and "Cache-Tag" in response.headers
    response = await client.get(url(f"{remote.base}/photo.jpg", width=60, crop="scale", fetch_format="auto", quality="auto"),
                                headers={"Accept": "image/webp,*/*"})
    assert response.status == 200 and loader(await response.read()).startswith("webp")
    assert response.headers["Vary"] == "Accept"
    query = url(f"{remote.base}/img/q.png?size=big&x=1", width=30, crop="scale")
    assert "%3F" in query  # the SDK escapes the remote URL's query; it still reaches the remote
    response = await client.get(query)
    assert response.status == 200 and decode(await response.read()).width == 30


async def test_the_fetched_original_is_reused_while_fresh_and_revalidated_after(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings())
    for width in (40, 41, 42):
        assert (await client.get(url(f"{remote.base}/img/fresh.png", width=width, crop="scale"))).status == 200
    assert remote.seen["/img/fresh.png"] == 1  # max-age=600: fetched once
    for width in (40, 41):
        assert (await client.get(url(f"{remote.base}/stale/s.png", width=width, crop="scale"))).status == 200
    assert remote.seen["/stale/s.png"] == 2 and remote.conditional == ["/stale/s.png"]  # If-None-Match -> 304


async def test_signed_fetch_urls_sign_the_whole_remote_url(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings(EDGE_API_STRICT_CLOUDS="demo"))
    signed = url(f"{remote.base}/img/s.png", width=50, crop="scale", sign_url=True)
    response = await client.get(signed)
    assert response.status == 200, response.headers.get("X-Cld-Error")
    assert (await client.get(signed.replace("/img/s.png", "/img/t.png"))).status == 401
    assert (await client.get(url(f"{remote.base}/img/s.png", width=50, crop="scale"))).status == 401  # strict: unsigned


async def test_domains_outside_the_allow_list_are_refused_unseen(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings(EDGE_FETCH_ALLOWED_DOMAINS="demo=images.example.com|*.cdn.example.org"))
    response = await client.get(url(f"{remote.base}/img/a.png"))
    assert response.status == 403 and "127.0.0.1 is not in the allowed fetch domains" in response.headers["X-Cld-Error"]
    assert not remote.seen


PRIVATE_HOSTS = [
    "127.0.0.1", "127.1.2.3", "localhost", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "[::1]", "[fe80::1]", "[fc00::1]", "[fd00:ec2::254]", "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]",
    "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "metadata.google.internal",
]


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
async def test_every_private_address_class_is_refused_without_the_lift(client_for, make_settings, remote, host):
    """Allowed by the domain list, so only the guard stands in the way. 127.0.0.1 is refused
    on another port than the lifted one too: the lift names one address and one port."""
    bare = host.strip("[]")
    lift = f"127.0.0.1:{remote.port + 1 if remote.port < 65535 else remote.port - 1}"
    client = await client_for(make_settings(EDGE_FETCH_ALLOWED_DOMAINS=f"demo={bare}", EDGE_FETCH_LIFT_GUARD=lift))
    response = await client.get(url(f"http://{host}:{remote.port}/img/a.png", width=50, crop="scale"))
    assert response.status == 400 and "Remote file refused" in response.headers["X-Cld-Error"], response.headers.get("X-Cld-Error")
    assert not remote.seen


@pytest.mark.parametrize("target", ["http://10.0.0.1/x.png", "http://169.254.169.254/latest/meta-data",
                                    "http://localhost:{port}/img/a.png", "http://127.0.0.1:1/img/a.png",
                                    "http://[::ffff:7f00:1]:{port}/img/a.png", "http://2130706433:{port}/img/a.png"])
async def test_redirects_into_refused_addresses_are_refused(client_for, fetch_settings, remote, target):
    client = await client_for(fetch_settings())
    target = target.format(port=remote.port)
    response = await client.get(url(f"{remote.base}/go?to={target}"))
    assert response.status == 400 and "Remote file refused" in response.headers["X-Cld-Error"]
    assert remote.seen == Counter({"/go": 1}) and not remote.seen["/img/a.png"]


async def test_at_most_three_redirects(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings())
    final = f"{remote.base}/img/r.png"
    three = final
    for _ in range(3):
        three = f"{remote.base}/go?to={three}"
    assert (await client.get(url(three, width=20, crop="scale"))).status == 200
    four = f"{remote.base}/go?to={three}"
    response = await client.get(url(four, width=21, crop="scale"))
    assert response.status == 400 and "too many redirects" in response.headers["X-Cld-Error"]


@pytest.mark.parametrize("path, status", [("/page.png", 422), ("/vector.svg", 422), ("/gone.png", 404)])
async def test_only_images_are_fetched(client_for, fetch_settings, remote, path, status):
    client = await client_for(fetch_settings())
    response = await client.get(url(f"{remote.base}{path}"))
    assert response.status == status and response.headers["X-Cld-Error"]


async def test_size_and_time_limits(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings(EDGE_LIMITS_MAX_SOURCE_BYTES="1000", EDGE_FETCH_TIMEOUT_SECONDS="0.5"))
    assert (await client.get(url(f"{remote.base}/img/big.png"))).status == 413
    response = await client.get(url(f"{remote.base}/slow.png"))
    assert response.status == 502 and "timed out" in response.headers["X-Cld-Error"]


async def test_a_missing_remote_with_a_default_image(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings())
    response = await client.get(url(f"{remote.base}/gone.png", width=30, crop="scale", default_image="geometry.png"))
    assert response.status == 200 and response.headers["X-Edge-Default-Image"] == "geometry"
    assert decode(await response.read()).width == 30


async def test_fetch_layers_go_through_the_allow_list_and_the_guard(client_for, fetch_settings, remote):
    def layered(layer_url: str) -> str:
        built = cloudinary.utils.cloudinary_url("geometry", cloud_name="demo", secure=False, cname="edge.test", format="png",
                                                transformation=[{"overlay": f"fetch:{layer_url}", "width": 40, "crop": "scale"},
                                                                {"flags": "layer_apply", "gravity": "north_west"}])[0]
        return built.split("edge.test", 1)[1]

    client = await client_for(fetch_settings())
    response = await client.get(layered(f"{remote.base}/photo.jpg"))
    assert response.status == 200, response.headers.get("X-Cld-Error")
    assert decode(await response.read()).width == 400 and remote.seen["/photo.jpg"] == 1
    assert len(response.headers["Surrogate-Key"].split()) == 3  # the base, the fetched layer, the cloud
    response = await client.get(layered("http://169.254.169.254/latest/meta-data/x.png"))
    assert response.status in (400, 403)
    off = await client_for(fetch_settings(EDGE_FETCH_ALLOWED_DOMAINS=""))
    assert (await off.get(layered(f"{remote.base}/photo.jpg"))).status == 403
    assert remote.seen["/photo.jpg"] == 1


async def test_concurrent_requests_for_one_new_url_fetch_it_once(client_for, fetch_settings, remote):
    client = await client_for(fetch_settings())
    responses = await asyncio.gather(*(client.get(url(f"{remote.base}/img/herd.png", width=w, crop="scale")) for w in range(20, 30)))
    assert [r.status for r in responses] == [200] * 10
    assert remote.seen["/img/herd.png"] == 1


async def test_redirects_leave_the_allowed_domains_only_by_refusal(client_for, fetch_settings, remote):
    """An open redirect on an allowed host must not proxy another (public, but not allowed) one."""
    client = await client_for(fetch_settings(EDGE_FETCH_ALLOWED_DOMAINS="demo=127.0.0.1"))
    response = await client.get(url(f"{remote.base}/go?to=http://images.example.com/x.png"))
    assert response.status == 403 and "images.example.com is not in the allowed" in response.headers["X-Cld-Error"]
