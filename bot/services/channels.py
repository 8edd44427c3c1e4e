"""Per-channel state on Redis, in the channel's team: settings, message maps, shared papers.

`ChannelStore.view()` is the one place a channel's stored overrides are laid over the defaults
(`ChannelView`); commands, the CLI, the scheduler and the worker all read that value. A reaction
event names only (platform, channel, message); the map written when Paperboy posted the message
resolves it to a paper. Papers someone links in a channel become the channel's digest
candidates for the days they were shared on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from bot import keys
from bot.domain import ChannelRef, Language, MessageRef
from bot.i18n import Text
from bot.services.aio import as_str
from bot.services.schedule import BadSchedule, Schedule, parse_zone
from bot.services.teams import TeamStore
from bot.window import Window

MESSAGE_MAP_TTL = 400 * 86400  # votes on a paper message count for a bit over a year
SHARED_KEEP = timedelta(weeks=8)  # shares older than this can no longer be in any window
Source = Literal["hf", "arxiv", "shared"]
SOURCES: tuple[Source, ...] = get_args(Source)


class ChannelConfig(BaseModel):
    """What a channel stored: its language, digest size, topics and arXiv categories, and when
    its weekly digest runs (cron + IANA zone, None = the defaults; `digests=False` after
    `/paper schedule off`; `sources` empty = every source)."""

    model_config = ConfigDict(frozen=True)

    language: Language | None = None
    digest_size: int | None = Field(None, ge=1, le=30)
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    schedule: str | None = None
    timezone: str | None = None
    digests: bool = True
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class ChannelDefaults:
    """The settings a channel falls back on (PAPERBOY_LANGUAGE, _DIGEST_SIZE, _SCHEDULE…)."""

    language: Language
    digest_size: int
    schedule: Schedule


@dataclass(frozen=True)
class ChannelView:
    """A channel's effective settings: what it stored, over the defaults."""

    channel: ChannelRef | None  # None: no channel, only the defaults
    team: str
    stored: ChannelConfig
    language: Language
    digest_size: int
    topics: tuple[str, ...]
    categories: tuple[str, ...]
    sources: tuple[Source, ...]
    zone: ZoneInfo
    schedule: Schedule | None  # None: digests are off here, or the stored schedule is unusable
    problem: str | Text | None = None  # why a stored schedule cannot be used

    @property
    def default_schedule(self) -> bool:
        return not (self.stored.schedule or self.stored.timezone)


def channel_view(
    channel: ChannelRef | None, team: str, stored: ChannelConfig, defaults: ChannelDefaults
) -> ChannelView:
    """`stored` laid over `defaults` (pure): the one definition of a channel's settings."""
    problem = None
    try:
        zone = parse_zone(stored.timezone) if stored.timezone else defaults.schedule.zone
        schedule: Schedule | None = Schedule(stored.schedule or defaults.schedule.cron, zone)
    except BadSchedule as exc:  # stored before validation existed, or a zone since removed
        zone, schedule, problem = defaults.schedule.zone, None, exc.text
    return ChannelView(
        channel=channel,
        team=team,
        stored=stored,
        language=stored.language or defaults.language,
        digest_size=stored.digest_size or defaults.digest_size,
        topics=stored.topics,
        categories=stored.categories,
        sources=stored.sources or SOURCES,
        zone=zone,
        schedule=schedule if stored.digests else None,
        problem=problem,
    )


class ChannelStore:
    def __init__(self, redis: Redis, teams: TeamStore, defaults: ChannelDefaults) -> None:
        self._redis = redis
        self.teams = teams
        self.defaults = defaults

    def default_view(self) -> ChannelView:
        """The settings of no channel in particular (`paperboy digest --preview` alone)."""
        return channel_view(None, "", ChannelConfig(), self.defaults)

    async def view(self, channel: ChannelRef, team: str = "") -> ChannelView:
        """The channel's effective settings; its team from the registry unless given."""
        team = team or await self.teams.team_of(channel)
        raw = await self._redis.get(keys.channel_settings(team, channel.key))
        stored = ChannelConfig.model_validate_json(raw) if raw else ChannelConfig()
        return channel_view(channel, team, stored, self.defaults)

    async def update(self, channel: ChannelRef, team: str = "", **changes: object) -> ChannelView:
        """Store `changes` over the channel's settings (validated); the new view."""
        current = await self.view(channel, team)
        updated = ChannelConfig.model_validate({**current.stored.model_dump(), **changes})
        return await self.store(channel, current.team, updated)

    async def store(self, channel: ChannelRef, team: str, config: ChannelConfig) -> ChannelView:
        await self._redis.set(keys.channel_settings(team, channel.key), config.model_dump_json())
        await self.teams.place(channel, team)
        return channel_view(channel, team, config, self.defaults)

    async def views(self) -> list[ChannelView]:
        """Every registered channel's view (the scheduler's and `schedule list`'s rows)."""
        return [await self.view(channel, team) for channel, team in await self.teams.channels()]

    # -- messages ------------------------------------------------------------------------------
    async def map_message(self, team: str, message: MessageRef, arxiv_id: str) -> None:
        """Remember that `message` shows `arxiv_id`, so reactions on it become votes."""
        await self._redis.set(keys.message(team, message.key), arxiv_id, ex=MESSAGE_MAP_TTL)

    async def paper_for(self, team: str, message: MessageRef) -> str | None:
        raw = await self._redis.get(keys.message(team, message.key))
        return as_str(raw) if raw else None

    # -- shared papers -------------------------------------------------------------------------
    async def record_shared(
        self, team: str, message: MessageRef, arxiv_ids: list[str], at: datetime | None = None
    ) -> None:
        """Papers linked in a message: each counts once per message, at its first sighting."""
        if not arxiv_ids:
            return
        when = (at or datetime.now(UTC)).timestamp()
        key = keys.shared(team, message.channel.key)
        members = {f"{arxiv_id} {message.message_id}": when for arxiv_id in arxiv_ids}
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, members, nx=True)
            pipe.zremrangebyscore(key, "-inf", when - SHARED_KEEP.total_seconds())
            pipe.expire(key, int(SHARED_KEEP.total_seconds()))
            await pipe.execute()

    async def shared(self, team: str, channel: ChannelRef, window: Window) -> dict[str, int]:
        """Papers linked in the channel inside `window`, with how many messages linked each."""
        rows = await self._redis.zrangebyscore(
            keys.shared(team, channel.key), window.start.timestamp(), f"({window.end.timestamp()}"
        )
        counts: dict[str, int] = {}
        for member in rows:
            arxiv_id = as_str(member).partition(" ")[0]
            counts[arxiv_id] = counts.get(arxiv_id, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
