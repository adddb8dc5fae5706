"""URL uploads: the private-address guard, redirects, size caps (a real local HTTP server)."""

from __future__ import annotations

import pytest
from aiohttp import web

from edge.errors import InvalidParameter, SourceTooLarge
from edge.origins.remote import GuardedResolver, RemoteFetcher, is_public_address
from tests.helpers.images import geometry_png


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("127.0.0.1", False), ("10.0.0.1", False),
    ("172.16.5.4", False), ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("0.0.0.0", False), ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:10.0.0.1", False),
    ("2002:a00:1::", False), ("64:ff9b::7f00:1", False), ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),
    ("224.0.0.1", False), ("not-an-ip", False),
])
def test_private_addresses_in_every_wrapping(address, public):
    assert is_public_address(address) is public


async def test_names_resolving_inwards_are_refused():
    resolver = GuardedResolver()
    try:
        with pytest.raises(InvalidParameter, match="private address"):
            await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()


@pytest.fixture
async def image_server(aiohttp_server):
    async def image(request):
        return web.Response(body=geometry_png(), content_type="image/png")

    async def hop(request):
        raise web.HTTPFound("/image.png")

    async def loop(request):
        raise web.HTTPFound("/loop")

    app = web.Application()
    app.router.add_get("/image.png", image)
    app.router.add_get("/hop", hop)
    app.router.add_get("/loop", loop)
    return await aiohttp_server(app)


async def test_guarded_fetch_refuses_loopback_even_after_a_redirect(image_server):
    fetcher = RemoteFetcher(5, allow_private=False)
    await fetcher.open()
    try:
        for url in (f"http://127.0.0.1:{image_server.port}/image.png", f"http://localhost:{image_server.port}/hop",
                    "http://[::1]/x", "ftp://example.com/x"):
            with pytest.raises(InvalidParameter):
                await fetcher.fetch(url, 10**6)
    finally:
        await fetcher.close()


async def test_fetch_follows_redirects_and_caps_size(image_server):
    fetcher = RemoteFetcher(5, allow_private=True)  # tests only: the server is on loopback
    await fetcher.open()
    base = f"http://127.0.0.1:{image_server.port}"
    try:
        data, name = await fetcher.fetch(f"{base}/hop", 10**6)
        assert data == geometry_png() and name == "image.png"
        with pytest.raises(SourceTooLarge):
            await fetcher.fetch(f"{base}/image.png", 100)
        with pytest.raises(InvalidParameter, match="redirects"):
            await fetcher.fetch(f"{base}/loop", 10**6)
        with pytest.raises(InvalidParameter):
            await fetcher.fetch(f"{base}/missing", 10**6)
    finally:
        await fetcher.close()


@pytest.mark.parametrize("host, address", [("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
                                           ("0x7f.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("example.com", None), ("cafe.be", None)])
def test_numeric_spellings(host, address):
    from edge.origins.remote import numeric_ipv4

    assert numeric_ipv4(host) == address


async def test_a_lifted_address_opens_for_its_port_only(image_server):
    fetcher = RemoteFetcher(5, lifted=frozenset({("127.0.0.1", image_server.port)}))
    await fetcher.open()
    try:
        data, _ = await fetcher.fetch(f"http://127.0.0.1:{image_server.port}/image.png", 10**6)
        assert data == geometry_png()
        with pytest.raises(InvalidParameter, match="private address"):
            await fetcher.fetch(f"http://127.0.0.1:{image_server.port + 1}/image.png", 10**6)
        with pytest.raises(InvalidParameter, match="numeric"):
            await fetcher.fetch(f"http://2130706433:{image_server.port}/image.png", 10**6)
    finally:
        await fetcher.close()


class _FakeResolver:
    """Answers as a DNS server under an attacker's control might (no traffic leaves the machine)."""

    answers = {"inward.test": ["10.0.0.7"], "mixed.test": ["93.184.216.34", "127.0.0.1"], "public.test": ["93.184.216.34"],
               "mapped.test": ["::ffff:169.254.169.254"], "lifted.test": ["127.0.0.1"]}

    async def resolve(self, host, port=0, family=0):
        return [{"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0} for a in self.answers[host]]

    async def close(self):
        pass


@pytest.mark.parametrize("host, port, allowed", [
    ("inward.test", 80, False), ("mixed.test", 80, False), ("mapped.test", 80, False), ("public.test", 80, True),
    ("lifted.test", 8081, True), ("lifted.test", 8082, False),
])
async def test_resolved_addresses_are_checked_every_one(host, port, allowed):
    resolver = GuardedResolver(frozenset({("127.0.0.1", 8081)}))
    await resolver._inner.close()
    resolver._inner = _FakeResolver()
    if allowed:
        assert await resolver.resolve(host, port)
    else:
        with pytest.raises(InvalidParameter, match="resolves to a private address"):
            await resolver.resolve(host, port)
