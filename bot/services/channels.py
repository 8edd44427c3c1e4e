"""Per-channel state on Redis: settings, which message shows which paper, shared papers.

A reaction event names only (platform, channel, message); `paper_for()` resolves it through the
map written when Paperboy posted the message. Papers someone links in a channel become that
channel's digest candidates for the ISO week they were shared in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from bot.domain import ChannelRef, Language, MessageRef
from bot.services.aio import done
from bot.weeks import iso_week

MESSAGE_MAP_TTL = 400 * 86400  # votes on a paper message count for a bit over a year
CANDIDATE_TTL = 8 * 7 * 86400
Source = Literal["hf", "arxiv", "shared"]


def message_key(prefix: str, message: MessageRef) -> str:
    """Where the (platform, channel, message) -> paper map lives; votes.py reads it too."""
    return f"{prefix}msg:{message.key}"


class ChannelConfig(BaseModel):
    """What a channel wants: its language, digest size, topics and arXiv categories, and when
    its weekly digest runs (`bot.services.schedule`: cron + IANA zone, None = the defaults;
    `digests=False` after `/paper schedule off`; `sources` empty = every source)."""

    model_config = ConfigDict(frozen=True)

    language: Language | None = None
    digest_size: int | None = Field(None, ge=1, le=30)
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    schedule: str | None = None
    timezone: str | None = None
    digests: bool = True
    sources: tuple[Source, ...] = ()


class ChannelStore:
    def __init__(self, redis: Redis, *, prefix: str = "pb:") -> None:
        self._redis = redis
        self._p = prefix

    async def config(self, channel: ChannelRef) -> ChannelConfig:
        raw = await self._redis.get(f"{self._p}chan:{channel.key}")
        return ChannelConfig.model_validate_json(raw) if raw else ChannelConfig()

    async def set_config(self, channel: ChannelRef, config: ChannelConfig) -> None:
        await self._redis.set(f"{self._p}chan:{channel.key}", config.model_dump_json())
        await done(self._redis.sadd(f"{self._p}channels", channel.key))

    async def update_config(self, channel: ChannelRef, **changes: object) -> ChannelConfig:
        current = await self.config(channel)
        updated = ChannelConfig.model_validate({**current.model_dump(), **changes})
        await self.set_config(channel, updated)
        return updated

    async def known_channels(self) -> list[ChannelRef]:
        keys = sorted(k.decode() for k in await done(self._redis.smembers(f"{self._p}channels")))
        return [ChannelRef.parse(k) for k in keys]

    async def map_message(self, message: MessageRef, arxiv_id: str) -> None:
        """Remember that `message` shows `arxiv_id`, so reactions on it become votes."""
        await self._redis.set(message_key(self._p, message), arxiv_id, ex=MESSAGE_MAP_TTL)

    async def paper_for(self, message: MessageRef) -> str | None:
        raw = await self._redis.get(message_key(self._p, message))
        return raw.decode() if raw else None

    async def record_shared(
        self, channel: ChannelRef, arxiv_ids: list[str], at: datetime | None = None
    ) -> None:
        """Papers linked in a channel count as that week's digest candidates (by share count)."""
        if not arxiv_ids:
            return
        key = f"{self._p}shared:{channel.key}:{iso_week(at)}"
        async with self._redis.pipeline(transaction=False) as pipe:
            for arxiv_id in dict.fromkeys(arxiv_ids):
                pipe.zincrby(key, 1, arxiv_id)
            pipe.expire(key, CANDIDATE_TTL)
            await pipe.execute()

    async def shared(self, channel: ChannelRef, week: str) -> dict[str, int]:
        rows = await self._redis.zrevrange(
            f"{self._p}shared:{channel.key}:{week}", 0, 199, withscores=True
        )
        return {member.decode(): int(score) for member, score in rows}
