"""The shared tier in Redis, and the Redis primitives of cross-node coordination.

Why redis.asyncio and not aiocache: the tier is only GET/SET-with-TTL, which both do, but
coordination also needs SET NX PX locks, a compare-and-delete script and pub/sub, which
aiocache does not offer. One client (redis-py's own pool) serves all of them, so one
health state covers them.

Redis must never take delivery down. Every call goes through `_do`: a failure (refused,
reset, slower than the socket timeout) marks the tier unhealthy, and until the watcher's
next successful PING every call is skipped at once (answering "miss"/"not locked"), so a
dead Redis costs nothing per request. redis-py reconnects by itself; the watcher only
decides when to start trying again. Exceptions of redis-py never leave this module.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from edge.cache.base import CachedDerivative, deserialize, serialize
from edge.metrics import Metrics
from edge.settings import RedisSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

_FAILURES = (RedisError, OSError, TimeoutError)
# Delete the lock only if it is still ours (it may have expired and been taken by another node).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


@asynccontextmanager
async def open_client(settings: RedisSettings) -> AsyncIterator[aioredis.Redis]:
    # A blocking pool: a burst of misses waits briefly for a connection instead of failing with
    # "too many connections" (which would mark a healthy Redis down).
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.url.reveal(),
        max_connections=128,
        timeout=settings.socket_timeout_seconds * 4,
        socket_timeout=settings.socket_timeout_seconds,
        socket_connect_timeout=settings.socket_timeout_seconds,
        # One immediate retry, on a broken connection only (a pooled one that Redis closed when it
        # restarted); never on a timeout, which would double a slow Redis's cost per request.
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        health_check_interval=0,
    )
    client = aioredis.Redis(connection_pool=pool)
    try:
        yield client
    finally:
        await client.aclose()
        await pool.aclose()


class RedisTier:
    def __init__(self, client: aioredis.Redis, settings: RedisSettings, metrics: Metrics) -> None:
        self.client = client
        self.settings = settings
        self.metrics = metrics
        self.prefix = settings.key_prefix
        self.healthy = True
        self.last_error = ""
        self.metrics.redis_up.set(1)
        self._release = client.register_script(_RELEASE)
        # Called when the watcher meets a different Redis server (a restart: its data is gone),
        # which the pub/sub connection may never notice: redis-py resubscribes by itself.
        self.on_new_server: list[Callable[[], Awaitable[None]]] = []
        self._run_id = ""

    # -- health ---------------------------------------------------------------------------
    async def _do(self, operation: str, call: Callable[[], Awaitable[T]], default: T) -> T:
        if not self.healthy:
            self.metrics.redis_requests.labels(operation, "skipped").inc()
            return default
        started = time.perf_counter()
        try:
            result = await call()
        except _FAILURES as exc:
            self.metrics.redis_requests.labels(operation, "error").inc()
            was_healthy = self.healthy
            self._mark_down(exc)
            if was_healthy:  # drop every pooled connection: after an outage they are all broken
                await self._disconnect()
            return default
        finally:
            self.metrics.redis_seconds.labels(operation).observe(time.perf_counter() - started)
        self.metrics.redis_requests.labels(operation, "ok").inc()
        return result

    def _mark_down(self, exc: BaseException) -> None:
        if self.healthy:
            log.warning("redis tier unhealthy, serving without it: %r", exc)
        self.healthy = False
        self.last_error = type(exc).__name__
        self.metrics.redis_up.set(0)

    async def _disconnect(self) -> None:
        try:
            await self.client.connection_pool.disconnect()
        except _FAILURES:
            pass

    async def ping(self) -> bool:
        """One round trip (INFO server: alive, and which server), whatever the current state; the watcher's probe."""
        try:
            async with asyncio.timeout(self.settings.socket_timeout_seconds * 2):
                info = await self.client.info("server")
        except _FAILURES as exc:
            self._mark_down(exc)
            return False
        if not self.healthy:
            log.warning("redis tier healthy again")
        self.healthy = True
        self.last_error = ""
        self.metrics.redis_up.set(1)
        run_id = str(info.get("run_id", ""))
        if self._run_id and run_id != self._run_id:
            log.warning("redis restarted (a new server answers): its data is gone")
            for hook in self.on_new_server:
                await hook()
        self._run_id = run_id
        return True

    async def watch(self) -> None:
        """Forever: PING every retry_seconds and flip the health state (run as a task)."""
        while True:
            await self.ping()
            await asyncio.sleep(self.settings.retry_seconds)

    # -- the derivative tier --------------------------------------------------------------
    def _data_key(self, key: str) -> str:
        return f"{self.prefix}d:{key}"

    async def get(self, key: str) -> CachedDerivative | None:
        blob = await self._do("get", lambda: self.client.get(self._data_key(key)), None)
        if blob is None:
            return None
        self.metrics.redis_bytes.labels("in").inc(len(blob))
        return deserialize(blob)

    async def put(self, key: str, entry: CachedDerivative) -> bool:
        if entry.size > self.settings.max_entry_bytes:
            return False
        blob = serialize(entry)
        ok = await self._do(
            "set", lambda: self.client.set(self._data_key(key), blob, ex=self.settings.ttl_seconds), None
        )
        if ok:
            self.metrics.redis_bytes.labels("out").inc(len(blob))
        return bool(ok)

    # -- render locks ---------------------------------------------------------------------
    def _lock_key(self, key: str) -> str:
        return f"{self.prefix}lock:{key}"

    async def lock(self, key: str) -> str | None:
        """A token if this node now holds the render lock of `key`; "" if another node does;
        None if Redis could not be asked (render here)."""
        token = secrets.token_hex(8)
        ms = int(self.settings.lock_seconds * 1000)
        got = await self._do("lock", lambda: self.client.set(self._lock_key(key), token, nx=True, px=ms), False)
        if got:
            return token
        return "" if self.healthy else None

    async def unlock(self, key: str, token: str) -> None:
        await self._do("unlock", lambda: self._release(keys=[self._lock_key(key)], args=[token]), 0)

    async def state(self, key: str) -> str | None:
        """"ready" (the derivative is there), "locked" (being rendered), "free", or None (Redis failed)."""

        async def probe() -> str:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.exists(self._data_key(key))
                pipe.exists(self._lock_key(key))
                ready, locked = await pipe.execute()
            return "ready" if ready else "locked" if locked else "free"

        return await self._do("state", probe, None)

    # -- last good derivative per variant (stale-if-error) --------------------------------
    def _alias_key(self, asset: str) -> str:
        return f"{self.prefix}alias:{asset}"

    async def remember(self, asset: str, variant: str, key: str) -> None:
        async def write() -> None:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.hset(self._alias_key(asset), variant, key)
                pipe.expire(self._alias_key(asset), self.settings.ttl_seconds)
                await pipe.execute()

        await self._do("remember", write, None)

    async def remember_many(self, records: list[tuple[str, dict[str, str]]]) -> None:
        """Several assets' last good derivatives (asset, {variant: key}) in one round trip."""
        async def write() -> None:
            async with self.client.pipeline(transaction=False) as pipe:
                for asset, variants in records:
                    pipe.hset(self._alias_key(asset), mapping=variants)
                    pipe.expire(self._alias_key(asset), self.settings.ttl_seconds)
                await pipe.execute()

        await self._do("remember", write, None)

    async def recall(self, asset: str, variant: str) -> str | None:
        value = await self._do("recall", lambda: self.client.hget(self._alias_key(asset), variant), None)
        return value.decode() if value else None

    async def forget(self, asset: str) -> None:
        await self._do("forget", lambda: self.client.delete(self._alias_key(asset)), 0)

    # -- invalidation messages ------------------------------------------------------------
    @property
    def channel(self) -> str:
        return f"{self.prefix}invalidate"

    async def publish(self, message: dict[str, str]) -> bool:
        receivers = await self._do("publish", lambda: self.client.publish(self.channel, json.dumps(message)), None)
        return receivers is not None

    async def subscribe(
        self, on_message: Callable[[dict[str, str]], Awaitable[None]], on_connect: Callable[[], Awaitable[None]]
    ) -> None:
        """Forever (run as a task): deliver each message; reconnect after failures. `on_connect` runs
        after every (re)subscription, since messages sent while disconnected are lost."""
        while True:
            try:
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    await on_connect()
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is None or message.get("type") != "message":
                            continue
                        try:
                            payload = json.loads(message["data"])
                        except (ValueError, TypeError):
                            log.warning("ignoring a malformed invalidation message")
                            continue
                        if isinstance(payload, dict):
                            await on_message({str(k): str(v) for k, v in payload.items()})
            except _FAILURES as exc:
                self._mark_down(exc)
                await asyncio.sleep(self.settings.retry_seconds)
