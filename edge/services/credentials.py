"""Who may call: Upload API signatures, Admin API HTTP Basic, signed and strict delivery URLs."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping

from edge.errors import InvalidCredentials, ResourceNotFound, SignatureMismatch
from edge.grammar.delivery_path import DeliveryPath
from edge.signing import (
    ApiKey,
    Keyring,
    ParamValue,
    basic_credentials,
    check_timestamp,
    string_to_sign,
    verify_api_signature,
    verify_auth_token,
    verify_url_signature,
)


class Credentials:
    def __init__(
        self,
        keyring: Keyring,
        strict_clouds: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keyring = keyring
        self.strict_clouds = strict_clouds
        self._clock = clock
        # Per cloud, the canonical transformations an unsigned URL may use on a strict cloud.
        self.strict_allowed: dict[str, frozenset[str]] = {}
        self.reload_strict: Callable[[str], Awaitable[None]] | None = None
        self.strict_named: Callable[[str], Awaitable[frozenset[str]]] | None = None
        self._reloaded: dict[str, float] = {}
        # cloud (or "*") -> hex key of token authentication (the SDK's auth_token "key").
        self.token_keys: Mapping[str, str] = {}
        # Per-key permissions and the audit's "who" (LiveKeyring.admit, edge/services/accounts_live.py):
        # called with every accepted key (and the signed params); raises to refuse it. None: all may.
        self.admit: Callable[[ApiKey, Mapping[str, ParamValue]], None] | None = None

    def known_cloud(self, cloud: str) -> None:
        if cloud not in self.keyring.clouds:
            raise ResourceNotFound(f"Unknown cloud - {cloud}")

    def check_signed(self, cloud: str, params: Mapping[str, ParamValue], exclude: Iterable[str] = ()) -> ApiKey:
        """An Upload API call signed by one of the cloud's keys, less than an hour old."""
        self.known_cloud(cloud)
        key = _text(params.get("api_key"))
        signature = _text(params.get("signature"))
        if not key:
            raise InvalidCredentials("Must supply api_key")
        api_key = self.keyring.find(cloud, key)
        if api_key is None:
            raise InvalidCredentials(f"Unknown API key {key}")
        if not signature:
            raise InvalidCredentials("Missing required parameter - signature")
        check_timestamp(_text(params.get("timestamp")), self._clock())
        if verify_api_signature(params, signature, api_key.secret):
            return self._admitted(api_key, params)
        excluded = tuple(exclude)
        if excluded and verify_api_signature(params, signature, api_key.secret, excluded):
            return self._admitted(api_key, params)
        # As Cloudinary does: the string we signed helps the caller find their mistake (it holds no secret).
        raise InvalidCredentials(f"Invalid Signature {signature}. String to sign - '{string_to_sign(params)}'.")

    def check_basic(self, cloud: str, authorization: str | None) -> ApiKey:
        self.known_cloud(cloud)
        pair = basic_credentials(authorization)
        if pair is None:
            raise InvalidCredentials("Must supply api_key")
        api_key = self.keyring.find(cloud, pair[0])
        if api_key is None:
            raise InvalidCredentials(f"Unknown API key {pair[0]}")
        if not hmac.compare_digest(api_key.secret.encode(), pair[1].encode()):
            raise InvalidCredentials("Invalid api_key or api_secret")
        return self._admitted(api_key)

    def _admitted(self, api_key: ApiKey, params: Mapping[str, ParamValue] | None = None) -> ApiKey:
        if self.admit is not None:
            self.admit(api_key, params or {})
        return api_key

    async def check_delivery(
        self, path: DeliveryPath, token: str | None = None, client_ip: str | None = None, raw_path: str = ""
    ) -> None:
        """s--SIG-- must verify with one of the cloud's secrets; strict clouds refuse other unsigned
        transformations. `authenticated` needs a signature or a valid token (`__cld_token__`, for
        `raw_path`, from `client_ip`); a `private` original (no transformation) needs either too."""
        if path.signature is not None:
            for api_key in self.keyring.keys(path.cloud):
                if any(verify_url_signature(path.signature, text, api_key.secret) for text in path.signed_texts):
                    return
            raise SignatureMismatch("Invalid signature")
        needs_grant = path.delivery_type == "authenticated" or (
            path.delivery_type == "private" and not path.chain.components
        )
        if needs_grant:
            if token is None:
                raise SignatureMismatch("Authentication required - sign the URL or send a __cld_token__")
            if not self.token_valid(path.cloud, token, raw_path, client_ip):
                raise SignatureMismatch("Invalid or expired token")
            return
        if path.cloud not in self.strict_clouds or not path.chain.components:
            return
        if path.chain.canonical in self.strict_allowed.get(path.cloud, frozenset()):
            return
        components = path.chain.components
        if self.strict_named is not None and all(c.named for c in components):
            allowed = await self.strict_named(path.cloud)
            if all(set(c.named) <= allowed for c in components):  # t_<name> marked allowed_for_strict
                return
        # Another process may have allowed it since: reload, at most once a second per cloud.
        now = time.monotonic()
        if self.reload_strict is not None and now - self._reloaded.get(path.cloud, -1.0) >= 1.0:
            self._reloaded[path.cloud] = now
            await self.reload_strict(path.cloud)
            if path.chain.canonical in self.strict_allowed.get(path.cloud, frozenset()):
                return
        raise SignatureMismatch("Transformation not allowed - strict transformations are on; sign the URL")

    def token_valid(self, cloud: str, token: str, raw_path: str, client_ip: str | None) -> bool:
        """The SDK's auth_token for this path (an ACL may name it with or without `/<cloud>`)."""
        key = self.token_keys.get(cloud) or self.token_keys.get("*")
        if not key:
            return False
        prefix = f"/{cloud}"
        acl_paths = (raw_path[len(prefix):],) if raw_path.startswith(prefix + "/") else ()
        return verify_auth_token(token, raw_path, key, self._clock(), client_ip, acl_paths)


def _text(value: ParamValue | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else ",".join(value)


def parse_token_keys(text: str) -> dict[str, str]:
    """`HEX` (every cloud) or `cloud=HEX,cloud2=HEX` -> {cloud or "*": HEX}."""
    keys = {}
    for item in (i.strip() for i in text.split(",") if i.strip()):
        cloud, sep, key = item.partition("=")
        keys[cloud.strip() if sep else "*"] = (key if sep else item).strip()
    return keys
