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
from adapters.discord.translate import guild_team
from bot.app import Paperboy
from bot.domain import Tally
from bot.services import aio
from tests.fakes.discord import GUILD_ID, TOKEN, FakeDiscord
from tests.harness import Harness, paperboy_app

WAIT = 15.0
TEAM = guild_team(int(GUILD_ID))  # the loopback Discord's one server


@dataclass
class Bot:
    """One running bot: the core harness, the fake Discord and the discord.py client."""

    h: Harness
    discord: FakeDiscord
    client: PaperboyClient

    @property
    def app(self) -> Paperboy:
        return self.h.app


async def tally(app: Paperboy, paper: str, team: str = TEAM) -> Tally:
    """The paper's tally as `team` reads it (its own votes, or its linked group's)."""
    return await app.votes.tally(await app.teams.ledger(team), paper)


async def until(condition: Callable[[], bool], task: asyncio.Task[Any] | None = None) -> None:
    """Wait (at most WAIT seconds) for `condition`; fail at once if `task` (the bot) died."""
    async with asyncio.timeout(WAIT):
        while not condition():
            if task is not None and task.done():
                task.result()
                raise AssertionError("the bot stopped")
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def handled(client: PaperboyClient, event: str, count: int = 1) -> AsyncIterator[None]:
    """On exit, `count` `event`s have been received AND the bot's handlers for them finished.

    discord.py resolves `wait_for` futures and schedules the `on_<event>` handler tasks in the
    same synchronous `dispatch()`, so once the futures are done the tasks exist to be awaited:
    a test can then assert that something did NOT happen, without sleeping.
    """
    seen = [0]

    def counted(*args: Any) -> bool:
        seen[0] += 1
        return seen[0] >= count

    waiter = asyncio.ensure_future(client.wait_for(event, check=counted))
    yield
    await asyncio.wait_for(waiter, WAIT)
    names = {f"discord.py: on_{event}"}
    if event == "interaction":  # application commands run in the tree's own task
        names.add("CommandTree-invoker")
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t.get_name() in names))


def assert_no_mentions(fake: FakeDiscord) -> None:
    """Every message or follow-up the bot sent disabled every ping."""
    for body in fake.sent():
        allowed = body.get("allowed_mentions")
        assert allowed is not None, body
        assert allowed["parse"] == [], body
        assert not allowed.get("users"), body
        assert not allowed.get("roles"), body
        assert not allowed.get("replied_user", False), body


@contextlib.asynccontextmanager
async def running(
    app: Paperboy, fake: FakeDiscord, **options: Any
) -> AsyncIterator[PaperboyClient]:
    """The bot logged in to `fake`, connected and ready; stopped (cancelled) on exit."""
    client = PaperboyClient(app, guild_ready_timeout=0.05, **options)
    async with aio.running(run_client(client, TOKEN, api_url=fake.api_url)) as task:
        await until(client.is_ready, task)
        yield client


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
    assert_no_mentions(fake_discord)
