"""Users' own platform locales, cached: Slack tells a user's locale only through `users.info`
(`include_locale=true`), one Web API call Paperboy makes at most once per user per TTL."""

from __future__ import annotations

from redis.asyncio import Redis

from bot import keys
from bot.services.aio import as_str

LOCALE_TTL = 24 * 3600  # a user rarely changes their language; a day-old answer is fine


class UserLocales:
    def __init__(self, redis: Redis, ttl: int = LOCALE_TTL) -> None:
        self._redis = redis
        self._ttl = ttl

    async def get(self, user_key: str) -> str | None:
        """The cached platform locale (`ko-KR`; "" = the platform gave none); None = not cached."""
        raw = await self._redis.get(keys.user_locale(user_key))
        return None if raw is None else as_str(raw)

    async def put(self, user_key: str, locale: str | None) -> None:
        await self._redis.set(keys.user_locale(user_key), locale or "", ex=self._ttl)
