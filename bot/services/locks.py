"""Token-checked Redis locks: only the holder may renew or release what it took.

Shared by the summariser's single flight and the digest poster's lease. A lock is a key holding
a random token with an expiry, so a crashed holder blocks nobody for longer than that expiry.
"""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class TokenLocks:
    """Acquire, renew and release locks on one Redis; each call is one round trip."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._release = redis.register_script(_RELEASE)
        self._renew = redis.register_script(_RENEW)

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(8)

    async def acquire(self, key: str, token: str, ttl_ms: int) -> bool:
        return bool(await self._redis.set(key, token, nx=True, px=ttl_ms))

    async def renew(self, key: str, token: str, ttl_ms: int) -> bool:
        """Extend the lock if `token` still holds it; False when it was lost."""
        return bool(await self._renew(keys=[key], args=[token, ttl_ms]))

    async def release(self, key: str, token: str) -> None:
        await self._release(keys=[key], args=[token])
