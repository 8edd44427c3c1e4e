"""Guards against repeats and floods: platform event dedup and the per-user LLM rate limit."""

from __future__ import annotations

import math

from redis.asyncio import Redis

from bot import keys
from bot.errors import RateLimited
from bot.i18n import lazy, lazy_n
from bot.services.votes import EVENT_TTL

_WINDOW_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


class Guards:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._window = redis.register_script(_WINDOW_SCRIPT)

    async def first_time(self, platform: str, event_id: str, ttl: int = EVENT_TTL) -> bool:
        """True the first time an event id is seen (Slack and Discord may deliver twice)."""
        key = keys.event(platform, event_id)
        return bool(await self._redis.set(key, b"1", nx=True, ex=ttl))

    async def check_rate(self, team: str, user_key: str, per_hour: int) -> None:
        """Count one LLM-backed request of a user in a team; RateLimited with a polite message
        past `per_hour`."""
        if per_hour <= 0:
            return
        count, ttl = await self._window(keys=[keys.rate(team, user_key)], args=[3600])
        if count > per_hour:
            minutes = max(1, math.ceil(max(ttl, 0) / 60))
            raise RateLimited(
                lazy(
                    "{asked} {retry}",
                    asked=lazy_n(
                        "You have asked for {n} summary this hour, the most Paperboy allows.",
                        "You have asked for {n} summaries this hour, the most Paperboy allows.",
                        per_hour,
                    ),
                    retry=lazy_n(
                        "Please try again in about {n} minute.",
                        "Please try again in about {n} minutes.",
                        minutes,
                    ),
                ),
                retry_after=float(max(ttl, 0)),
            )
