"""What the Discord benchmarks share: the real bot connected to a loopback Discord.

This process runs the real Paperboy core (tests/harness.py: loopback arXiv, Hugging Face and
OpenAI fakes, real Redis) and the real discord.py client. The loopback Discord (REST + gateway,
tests/fakes/discord.py) runs in a process of its own (tests/fakes/discord_remote.py), as the real
one does, so its JSON, zlib and HTTP work does not share the bot's interpreter. It stamps a
dispatch when it sends it and a REST call when it receives it, with CLOCK_MONOTONIC, so
latencies include the websocket, discord.py's parsing and the HTTP round trip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from adapters.discord.client import PaperboyClient
from adapters.discord.runner import run_client
from bot.domain import Paper
from bot.services import aio
from tests.fakes.discord import TOKEN
from tests.fakes.discord_remote import RemoteDiscord
from tests.harness import Harness, paperboy_app


@dataclass
class Bed:
    h: Harness
    discord: RemoteDiscord
    client: PaperboyClient


@asynccontextmanager
async def discord_bed(
    redis_url: str, *, papers: Sequence[Paper] = (), **overrides: Any
) -> AsyncIterator[Bed]:
    """The bot logged in to a fresh loopback Discord and ready, over a flushed Redis."""
    logging.basicConfig(level=logging.ERROR)
    async with AsyncExitStack() as stack:
        fake = stack.enter_context(RemoteDiscord())
        h = await stack.enter_async_context(paperboy_app(redis_url, papers=papers, **overrides))
        await h.app.redis.flushdb()
        client = PaperboyClient(h.app, guild_ready_timeout=0.05)
        async with aio.running(run_client(client, TOKEN, api_url=fake.api_url)) as task:
            while not client.is_ready():
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
            with aio.server_gc():  # started: collect garbage as `paperboy run` does
                yield Bed(h, fake, client)
