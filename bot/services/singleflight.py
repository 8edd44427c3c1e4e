"""Redis single flight: a value is computed once even when many callers in many processes ask.

The first caller takes a lock (`SET NX PX` with a random token) and computes; the others poll
(short, growing sleeps) until the value appears, for a bounded time. The leader keeps its lock
alive while it works, so a slow computation is not started twice; a crashed leader's lock expires
and a waiting caller takes over. The lock is released only by its holder (token checked in Lua).

`compute()` returns the value and whether it is durable. A durable value is stored under the key
forever (an LLM summary); a non-durable one (an extractive fallback) is stored for a few minutes
under a key tied to this attempt's token, so the callers waiting on this attempt share it while
the next caller after it tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot import keys
from bot.services import aio
from bot.services.locks import TokenLocks

Compute = Callable[[], Awaitable[tuple[bytes, bool]]]


def _raw(value: bytes | str) -> bytes:
    """Values as bytes whether or not the client was made with `decode_responses`."""
    return value.encode() if isinstance(value, str) else bytes(value)


class FlightTimeoutError(TimeoutError):
    """Waited longer than `wait_timeout` for another caller's result."""


@dataclass(frozen=True)
class Flight:
    """A result and whether this caller computed it (False: cache or another caller)."""

    value: bytes
    led: bool


class SingleFlight:
    """Compute-once helper over one Redis; keys are the caller's (`pb:...`)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        lock_ttl: float = 60.0,
        wait_timeout: float = 120.0,
        fallback_ttl: float = 600.0,
        poll: tuple[float, float] = (0.01, 0.2),
    ) -> None:
        self._redis = redis
        self._lock_ms = int(lock_ttl * 1000)
        self._wait = wait_timeout
        self._fallback_s = max(1, int(fallback_ttl))
        self._poll = poll
        self._locks = TokenLocks(redis)

    @staticmethod
    def lock_key(key: str) -> str:
        return keys.lock(key)

    @staticmethod
    def attempt_key(key: str, token: str) -> str:
        return keys.lock_attempt(key, token)

    async def run(self, key: str, compute: Compute) -> Flight:
        """The value under `key`, computing it at most once across callers and processes."""
        deadline = asyncio.get_running_loop().time() + self._wait
        while True:
            cached = await self._redis.get(key)
            if cached is not None:
                return Flight(_raw(cached), led=False)
            token = TokenLocks.new_token()
            if await self._locks.acquire(self.lock_key(key), token, self._lock_ms):
                return await self._lead(key, token, compute)
            holder = await self._redis.get(self.lock_key(key))
            if holder is not None:
                found = await self._follow(key, _raw(holder).decode(), deadline)
                if found is not None:
                    return Flight(found, led=False)

    async def _lead(self, key: str, token: str, compute: Compute) -> Flight:
        keeper = asyncio.create_task(self._keep_alive(key, token))
        try:
            cached = await self._redis.get(key)  # written between our GET and our SET NX?
            if cached is not None:
                return Flight(_raw(cached), led=False)
            value, durable = await compute()
            await self._store(key, token, value, durable=durable)
            return Flight(value, led=True)
        finally:
            await aio.stop(keeper)
            await self._locks.release(self.lock_key(key), token)

    async def _store(self, key: str, token: str, value: bytes, *, durable: bool) -> None:
        if durable:
            await self._redis.set(key, value)
        else:
            await self._redis.set(self.attempt_key(key, token), value, ex=self._fallback_s)

    async def _keep_alive(self, key: str, token: str) -> None:
        """Extend the lock every third of its life while the leader works."""
        while True:
            await asyncio.sleep(self._lock_ms / 3000)
            await self._locks.renew(self.lock_key(key), token, self._lock_ms)

    async def _follow(self, key: str, token: str, deadline: float) -> bytes | None:
        """Wait for the leader holding `token`; None when it left without a result."""
        loop, pause = asyncio.get_running_loop(), self._poll[0]
        names = [key, self.attempt_key(key, token), self.lock_key(key)]
        while True:
            if loop.time() > deadline:
                raise FlightTimeoutError(f"no result for {key} after {self._wait:g}s")
            await asyncio.sleep(pause)
            value, fallback, holder = await self._redis.mget(names)
            if value is not None or fallback is not None:
                return _raw(value if value is not None else fallback)
            if holder is None or _raw(holder).decode() != token:
                return None
            pause = min(pause * 2, self._poll[1])
