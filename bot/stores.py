"""The Redis-backed stores, and the one way to open Redis: what every path shares.

`Paperboy` (bot/app.py) is built on a `Stores`; a CLI command that only reads or writes the
stores (`paperboy leaderboard`, `paperboy team …`) opens just these with `open_stores`, without
the HTTP and LLM clients, the chat ports or the command registry it would not use
(docs/benchmarks.md, "CLI start").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from bot.config import Settings
from bot.services import redis_client
from bot.services.channels import ChannelDefaults, ChannelStore
from bot.services.migrate import adopt_unassigned, migrate_legacy
from bot.services.paper_cache import PaperCache
from bot.services.redis_errors import checked_url
from bot.services.redis_server import EmbeddedRedis
from bot.services.schedule import Schedule
from bot.services.teams import TeamStore
from bot.services.votes import VoteStore

if TYPE_CHECKING:
    from bot.ports import ChatPort


class Stores:
    """The teams, votes, channels and cached papers on one Redis client."""

    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis
        self.teams = TeamStore(redis)
        self.votes = VoteStore(redis)
        self.channels = ChannelStore(redis, self.teams, channel_defaults(settings))
        self.cache = PaperCache(redis)

    async def adopt(self, chats: Mapping[str, ChatPort]) -> None:
        """Record which team each chat port's install serves, then move data stored before
        teams existed into it (once; a no-op afterwards). Every open runs it, so a command
        reading the stores right after an upgrade sees the data where it now lives."""
        for platform, chat in chats.items():
            team = await chat.install_team()
            if team:
                await self.teams.set_install(platform, team)
        await migrate_legacy(self.redis, self.teams, chats)
        await adopt_unassigned(self.redis, self.teams, chats)


@asynccontextmanager
async def open_stores(settings: Settings) -> AsyncIterator[Stores]:
    """The stores on the configured (or embedded) Redis, migrated; closed on exit."""
    async with open_redis(settings) as redis:
        stores = Stores(settings, redis)
        await stores.adopt({})
        yield stores


def channel_defaults(settings: Settings) -> ChannelDefaults:
    return ChannelDefaults(
        language=settings.language,
        digest_size=settings.digest_size,
        schedule=Schedule.of(settings.schedule, settings.timezone),
    )


def data_dir(settings: Settings) -> Path:
    import platformdirs  # noqa: PLC0415  (only the embedded Redis needs it)

    return settings.data_dir or Path(platformdirs.user_data_dir("paperboy"))


@asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[Redis]:
    """The configured Redis, or the embedded one this process joins (and may start)."""
    async with AsyncExitStack() as stack:
        url = checked_url(settings.redis_url)
        if url is None:
            server = EmbeddedRedis(data_dir(settings))
            url = await asyncio.to_thread(server.start)
            stack.push_async_callback(asyncio.to_thread, server.stop)  # may wait for a shutdown
        # A host that never answers fails in seconds; `?socket_timeout=` in the URL wins.
        client = redis_client.connect(url, socket_connect_timeout=5, socket_timeout=10)
        stack.push_async_callback(client.aclose)
        yield client
