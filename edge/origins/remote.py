"""Originals given as an http(s) URL (Upload API `file=https://…`): fetched with a guard.

No loopback, private, link-local (cloud metadata), multicast or reserved address is ever
contacted, including when wrapped in IPv4-mapped, 6to4, Teredo or NAT64 IPv6 forms. Host
names are resolved by our resolver, which refuses such answers, so a DNS name cannot point
us inward; redirects are followed by hand (at most 5) and each hop is checked again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from edge.errors import InvalidParameter, OriginUnavailable, SourceTooLarge

MAX_REDIRECTS = 5
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            candidates.append(address.ipv4_mapped)
        if address.sixtofour:
            candidates.append(address.sixtofour)
        if address.teredo:
            candidates.extend(address.teredo)
        if address in _NAT64:
            candidates.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return all(
        a.is_global and not (a.is_private or a.is_loopback or a.is_link_local or a.is_multicast or a.is_reserved or a.is_unspecified)
        for a in candidates
    )


class GuardedResolver(AbstractResolver):
    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not results or not all(is_public_address(r["host"]) for r in results):
            raise InvalidParameter(f"Remote file refused - {host} resolves to a private address")
        return results

    async def close(self) -> None:
        await self._inner.close()


class RemoteFetcher:
    def __init__(self, timeout: float, allow_private: bool = False) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        resolver: Any = None if self.allow_private else GuardedResolver()
        connector = aiohttp.TCPConnector(resolver=resolver, limit=32)
        self._session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        """(bytes, file name from the URL path). Raises InvalidParameter, SourceTooLarge, OriginUnavailable."""
        assert self._session is not None
        try:
            async with asyncio.timeout(self.timeout):
                for _ in range(MAX_REDIRECTS + 1):
                    self._check_url(url)
                    async with self._session.get(url, allow_redirects=False) as response:
                        if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                            url = urllib.parse.urljoin(url, response.headers["Location"])
                            continue
                        if response.status != 200:
                            raise InvalidParameter(f"Error in loading {url} - {response.status}")
                        data = await response.content.read(max_bytes + 1)
                        if len(data) > max_bytes:
                            raise SourceTooLarge(f"File size too large - over {max_bytes} bytes")
                        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
                        return data, name
                raise InvalidParameter("Too many redirects")
        except TimeoutError:
            raise OriginUnavailable("Remote file timed out") from None
        except aiohttp.ClientError as exc:
            raise InvalidParameter(f"Error in loading {url}", detail=str(exc)) from None

    def _check_url(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidParameter("Remote file must be an http(s) URL")
        host = parts.hostname
        if self.allow_private:
            return
        literal = True
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            literal = False
        if (literal and not is_public_address(host)) or host.lower() in ("localhost", "metadata.google.internal"):
            raise InvalidParameter(f"Remote file refused - {host} is a private address")
