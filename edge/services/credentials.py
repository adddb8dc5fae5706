"""Who may call: Upload API signatures, Admin API HTTP Basic, signed and strict delivery URLs."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Mapping

from edge.errors import InvalidCredentials, ResourceNotFound, SignatureMismatch
from edge.grammar.delivery_path import DeliveryPath
from edge.services.strict import StrictTransformations
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
        strict: StrictTransformations | None = None,
        token_keys: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keyring = keyring
        self.strict = strict or StrictTransformations(frozenset())
        # cloud (or "*") -> hex key of token authentication (the SDK's auth_token "key").
        self.token_keys: Mapping[str, str] = dict(token_keys or {})
        self._clock = clock
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
        strict = self.strict
        if path.cloud not in strict.clouds or not path.chain.components:
            return
        await strict.fresh(path.cloud)
        if strict.allows(path.cloud, path.chain.canonical):
            return
        components = path.chain.components
        if all(c.named for c in components):
            names = frozenset(name for c in components for name in c.named)
            if names <= await strict.allowed_names(path.cloud, names):  # t_<name>s marked allowed_for_strict
                return
        if await strict.reload(path.cloud) and strict.allows(path.cloud, path.chain.canonical):
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
