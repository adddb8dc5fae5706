"""Originals given as an http(s) URL (Upload API `file=https://…`, `fetch` delivery): fetched with a guard.

No loopback, private, link-local (cloud metadata), CGNAT, multicast or reserved address is
ever contacted, including when wrapped in IPv4-mapped, 6to4, Teredo or NAT64 IPv6 forms or
spelled as a decimal, hex or octal number (`2130706433`, `0x7f.1`). Host names are resolved
by our resolver, which refuses such answers, so a DNS name cannot point us inward; redirects
are followed by hand and each hop is checked again. `lifted` names the only exceptions, as
exact `address:port` pairs (local test servers).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from edge.errors import InvalidParameter, OriginUnavailable, ResourceNotFound, SourceTooLarge

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


def numeric_ipv4(host: str) -> str | None:
    """`2130706433`, `0x7f.0.0.1`, `0177.1` -> `127.0.0.1`: the spellings inet_aton (and so
    the system resolver) accepts, which ipaddress does not."""
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


class GuardedResolver(AbstractResolver):
    def __init__(self, lifted: frozenset[tuple[str, int]] = frozenset()) -> None:
        self._inner = aiohttp.ThreadedResolver()
        self.lifted = lifted

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if is_public_address(r["host"]) or (r["host"], port) in self.lifted]
        if not results or len(allowed) != len(results):
            raise InvalidParameter(f"Remote file refused - {host} resolves to a private address")
        return results

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True, slots=True)
class RemoteOriginal:
    """A `fetch` original as the remote server answered: data None = 304 (still valid)."""

    data: bytes | None
    etag: str
    last_modified: str
    cache_control: str


class RemoteFetcher:
    def __init__(
        self,
        timeout: float,
        allow_private: bool = False,
        lifted: frozenset[tuple[str, int]] = frozenset(),
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.lifted = lifted
        self.max_redirects = max_redirects
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        resolver: Any = None if self.allow_private else GuardedResolver(self.lifted)
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

    async def fetch_original(
        self, url: str, max_bytes: int, validators: Mapping[str, str] | None = None,
        check_host: Callable[[str], None] | None = None,
    ) -> RemoteOriginal:
        """GET a `fetch` original (or revalidate it with `validators`, e.g. If-None-Match);
        `check_host` (the allow-list) raises for a host that may not be fetched, redirects included.
        404/410 -> ResourceNotFound; other failures -> OriginUnavailable; guard -> InvalidParameter."""
        assert self._session is not None
        try:
            async with asyncio.timeout(self.timeout):
                for _ in range(self.max_redirects + 1):
                    self._check_url(url)
                    if check_host is not None:
                        check_host(urllib.parse.urlsplit(url).hostname or "")
                    async with self._session.get(url, allow_redirects=False, headers=dict(validators or {})) as response:
                        if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                            url = urllib.parse.urljoin(url, response.headers["Location"])
                            continue
                        headers = response.headers
                        meta = (headers.get("ETag", ""), headers.get("Last-Modified", ""), headers.get("Cache-Control", ""))
                        if response.status == 304 and validators:
                            return RemoteOriginal(None, *meta)
                        if response.status in (404, 410):
                            raise ResourceNotFound(f"Resource not found - remote answered {response.status}")
                        if response.status != 200:
                            raise OriginUnavailable(f"Remote fetch failed - {response.status}")
                        length = response.content_length
                        if length is not None and length > max_bytes:
                            raise SourceTooLarge(f"File size too large - over {max_bytes} bytes")
                        data = await response.content.read(max_bytes + 1)
                        if len(data) > max_bytes:
                            raise SourceTooLarge(f"File size too large - over {max_bytes} bytes")
                        return RemoteOriginal(data, *meta)
                raise InvalidParameter("Remote fetch refused - too many redirects")
        except TimeoutError:
            raise OriginUnavailable("Remote fetch timed out") from None
        except aiohttp.ClientError as exc:
            raise OriginUnavailable("Remote fetch failed", detail=str(exc)) from None

    def _check_url(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidParameter("Remote file must be an http(s) URL")
        host = parts.hostname
        if self.allow_private:
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise InvalidParameter("Remote file must be an http(s) URL") from None
        address: str | None
        try:
            address = str(ipaddress.ip_address(host.split("%", 1)[0]))
        except ValueError:
            address = None
            if numeric_ipv4(host) is not None:  # `2130706433`, `0x7f.1`: no site is named so
                raise InvalidParameter(f"Remote file refused - {host} is a numeric address spelling")
        if address is not None and (address, port) in self.lifted:
            return
        if (address is not None and not is_public_address(address)) or host.lower() in ("localhost", "metadata.google.internal"):
            raise InvalidParameter(f"Remote file refused - {host} is a private address")
