"""Guards against repeats and floods: platform event dedup and the per-user LLM rate limit."""

from __future__ import annotations

import math

from redis.asyncio import Redis

from bot.errors import RateLimited

_WINDOW_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


EVENT_TTL = 3600  # Slack retries within minutes; an hour covers every redelivery


def event_key(prefix: str, platform: str, event_id: str) -> str:
    """The marker of one platform event id; votes.py checks it inside its reaction script."""
    return f"{prefix}event:{platform}:{event_id}"


class Guards:
    def __init__(self, redis: Redis, *, prefix: str = "pb:") -> None:
        self._redis = redis
        self._p = prefix
        self._window = redis.register_script(_WINDOW_SCRIPT)

    async def first_time(self, platform: str, event_id: str, ttl: int = EVENT_TTL) -> bool:
        """True the first time an event id is seen (Slack and Discord may deliver twice)."""
        key = event_key(self._p, platform, event_id)
        return bool(await self._redis.set(key, b"1", nx=True, ex=ttl))

    async def check_rate(self, user_key: str, per_hour: int) -> None:
        """Count one LLM-backed request; RateLimited with a polite message past `per_hour`."""
        if per_hour <= 0:
            return
        count, ttl = await self._window(keys=[f"{self._p}rate:{user_key}"], args=[3600])
        if count > per_hour:
            minutes = max(1, math.ceil(max(ttl, 0) / 60))
            raise RateLimited(
                f"You have asked for {per_hour} summaries this hour, the most Paperboy allows. "
                f"Please try again in about {minutes} minute{'s' if minutes > 1 else ''}.",
                retry_after=float(max(ttl, 0)),
            )
