"""Secrets at rest: API secrets and TOTP seeds must be recoverable (an HMAC is verified with the
secret itself), so they are encrypted, not hashed: Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) under a key derived from EDGE_SECRET_KEY with HKDF-SHA256.

Without EDGE_SECRET_KEY a random one is generated once into `secret.key` (mode 0600) beside
the SQLite catalog (`var/` on the embedded default; `var/` of the working dir otherwise) and
reused; several processes starting together agree on one file (link() is atomic).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

DEFAULT_KEY_FILE = Path("var/secret.key")


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"edge-secrets-at-rest", info=b"fernet-v1").derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str | None:
        """None when the token was sealed under another key (a node with a different EDGE_SECRET_KEY)."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            return None

    def __repr__(self) -> str:
        return "SecretBox(**********)"


def secret_key_file(database_url: str) -> Path:
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///")).parent / "secret.key"
    return DEFAULT_KEY_FILE


def load_secret_key(configured: str, key_file: Path = DEFAULT_KEY_FILE) -> str:
    """EDGE_SECRET_KEY, else the generated file (created on first use, 0600)."""
    if configured:
        return configured
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        staging = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(staging, key_file)  # fails if another process won: then read theirs
            log.warning(
                "EDGE_SECRET_KEY is not set: generated one in %s (mode 0600) to encrypt API secrets at rest;"
                " set EDGE_SECRET_KEY (the same on every node) for a shared catalog",
                key_file,
            )
        except FileExistsError:
            pass
        finally:
            staging.unlink(missing_ok=True)
    return key_file.read_text().strip()
