"""The account as a whole: its id, the provisioning credentials, start-up, the first administrator.

`open_accounts` builds the account services over an open catalog; the app (every node and
worker) and the CLI call it. The provisioning key is the one in CLOUDINARY_ACCOUNT_URL; the
account id it names is stored on first start, and a later start with another id is refused
(two deployments must not share a catalog by mistake).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from edge.cache.redis import RedisTier
from edge.catalog.accounts import AccountsCatalog
from edge.catalog.store import Catalog
from edge.errors import AlreadyExists, InvalidCredentials, SettingsError
from edge.services.accounts import Environments
from edge.services.accounts_audit import Audit
from edge.services.accounts_keys import AccountKeys
from edge.services.accounts_crypto import SecretBox, load_secret_key, secret_key_file
from edge.services.accounts_live import AccountsWatcher, LiveKeyring
from edge.services.accounts_users import Users
from edge.services.assets import AssetStore
from edge.settings import AccountSettings
from edge.signing import Keyring, basic_credentials

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Provisioning:
    account_id: str
    key: str
    secret: str
    # The secret of an account-level key made through the API (LiveKeyring.provisioning), if enabled.
    more: Callable[[str], str | None] = field(default=lambda key: None)

    def __repr__(self) -> str:
        return f"Provisioning(account_id={self.account_id!r}, key={self.key!r})"

    def check(self, account_id: str, authorization: str | None) -> str:
        """The caller ("provisioning:<key>") or InvalidCredentials; the same answer for a wrong
        account id as for wrong credentials, so account ids cannot be probed."""
        pair = basic_credentials(authorization)
        if pair is None:
            raise InvalidCredentials("Must supply provisioning_api_key")
        if not self.key or not hmac.compare_digest(account_id.encode(), self.account_id.encode()):
            raise InvalidCredentials("Invalid account or provisioning credentials")
        key, secret = pair
        expected = self.secret if hmac.compare_digest(key.encode(), self.key.encode()) else self.more(key)
        if expected is None or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise InvalidCredentials("Invalid account or provisioning credentials")
        return f"provisioning:{key}"


@dataclass(slots=True)
class AccountServices:
    box: SecretBox
    keyring: LiveKeyring
    watcher: AccountsWatcher
    environments: Environments
    users: Users
    audit: Audit
    provisioning: Provisioning
    account_keys: AccountKeys


async def open_accounts(
    catalog: Catalog, settings: AccountSettings, configured: Keyring, redis: RedisTier | None = None,
    store: AssetStore | None = None, database_url: str = "",
) -> AccountServices:
    key_file = secret_key_file(database_url)
    box = SecretBox(await asyncio.to_thread(load_secret_key, settings.secret_key.reveal(), key_file))
    keyring = LiveKeyring(configured)
    watcher = AccountsWatcher(AccountsCatalog(catalog.db), keyring, box, settings.refresh_seconds, redis)
    await watcher.reload()
    provisioning = await _provisioning(AccountsCatalog(catalog.db), settings)
    provisioning.more = lambda key: keyring.provisioning.get(key)
    return AccountServices(
        box, keyring, watcher, Environments(catalog, box, keyring, watcher, store), Users(catalog, box), Audit(catalog),
        provisioning, AccountKeys(AccountsCatalog(catalog.db), box, watcher),
    )


async def _provisioning(accounts: AccountsCatalog, settings: AccountSettings) -> Provisioning:
    url = settings.url.reveal()
    if not url:  # the Provisioning API is off; the id stays free for a later CLOUDINARY_ACCOUNT_URL
        return Provisioning(await accounts.account_id(), "", "")
    parts = urllib.parse.urlsplit(url)
    wanted = parts.hostname or ""
    account_id = await accounts.claim_account_id(wanted)
    if account_id != wanted:
        raise SettingsError([f"CLOUDINARY_ACCOUNT_URL names account {wanted}, but this catalog belongs to {account_id}"])
    return Provisioning(
        account_id, urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or "")
    )


async def first_admin(users: Users, settings: AccountSettings) -> None:
    """EDGE_ADMIN_EMAIL + EDGE_ADMIN_PASSWORD make the first master_admin when no user exists."""
    if not settings.admin_email or await users.people.count_users():
        return
    try:
        await users.create(
            {"email": settings.admin_email, "name": "Administrator", "role": "master_admin"},
            password=settings.admin_password.reveal(),
        )
        log.info("created the first administrator %s (master_admin) from EDGE_ADMIN_EMAIL", settings.admin_email)
    except AlreadyExists:  # another worker or node made it first
        pass


async def sample_admin(users: Users, email: str = "admin@localhost") -> str | None:
    """On the embedded default with no user and no EDGE_ADMIN_*: a master_admin with a random
    one-time password, returned once for the caller to print (never a fixed default)."""
    if await users.people.count_users():
        return None
    await users.create({"email": email, "name": "Administrator", "role": "master_admin"})
    user = await users.by_email(email)
    return await users.set_password(user.id)
