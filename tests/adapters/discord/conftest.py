"""The real Paperboy core (harness: arXiv/HF/OpenAI fakes, real Redis) served by the real
discord.py client, connected to the loopback Discord of tests/fakes/discord.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from adapters.discord.client import PaperboyClient
from adapters.discord.runner import run_client
from bot.app import Paperboy
from tests.fakes.discord import TOKEN, FakeDiscord
from tests.harness import Harness, paperboy_app


@dataclass
class Bot:
    """One running bot: the core harness, the fake Discord and the discord.py client."""

    h: Harness
    discord: FakeDiscord
    client: PaperboyClient

    @property
    def app(self) -> Paperboy:
        return self.h.app


async def until(condition: Callable[[], bool], task: asyncio.Task[Any] | None = None,
                timeout: float = 15.0) -> None:
    """Wait for `condition`; fail at once if `task` (the bot) died instead."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if task is not None and task.done():
            task.result()
            raise AssertionError("the bot stopped")
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(app: Paperboy, fake: FakeDiscord, **options: Any) -> AsyncIterator[PaperboyClient]:
    """The bot logged in to `fake`, connected and ready; stopped (cancelled) on exit."""
    client = PaperboyClient(app, guild_ready_timeout=0.05, **options)
    task = asyncio.create_task(run_client(client, TOKEN, api_url=fake.api_url))
    try:
        await until(client.is_ready, task)
        yield client
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def harness(redis_url: str, redis: Redis) -> AsyncIterator[Harness]:
    async with paperboy_app(redis_url) as h:
        yield h


@pytest.fixture
async def bot(harness: Harness, fake_discord: FakeDiscord) -> AsyncIterator[Bot]:
    async with running(harness.app, fake_discord) as client:
        yield Bot(harness, fake_discord, client)
