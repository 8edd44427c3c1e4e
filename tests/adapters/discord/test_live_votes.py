"""Through discord.py against the loopback Discord: reactions move the vote count on the paper
message by message edits (`PATCH /channels/{cid}/messages/{mid}`), coalesced per message; a
second ask for a paper already in the channel links to it."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from bot import keys
from tests.adapters.discord.conftest import Bot, handled, running
from tests.adapters.discord.test_votes import PAPER, paper_message, react
from tests.fakes.discord import CHANNEL_ID, GUILD_ID, TOKEN, USERS, FakeDiscord
from tests.harness import paperboy_app

INTERVAL = 0.25
WAIT = 15.0


@pytest.fixture
async def live(redis_url: str, redis: Redis, fake_discord: FakeDiscord) -> AsyncIterator[Bot]:
    """The bot, with the app's own Discord ChatPort (REST) and a short edit interval."""
    async with (
        paperboy_app(
            redis_url,
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_URL=fake_discord.api_url,
            PAPERBOY_VOTE_EDIT_INTERVAL=INTERVAL,
        ) as h,
        running(h.app, fake_discord) as client,
    ):
        yield Bot(h, fake_discord, client)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 (the fake runs in another thread)
            await asyncio.sleep(0.02)


async def settled(bot: Bot) -> None:
    async with asyncio.timeout(WAIT):
        while bot.app.live_votes.busy or await bot.app.redis.zcard(keys.VOTE_EDITS):  # noqa: ASYNC110 (Redis)
            await asyncio.sleep(0.02)


def shows(bot: Bot, message_id: str, line: str) -> bool:
    return any(line in json.dumps(e, ensure_ascii=False) for e in bot.discord.edits_of(message_id))


async def test_three_reactions_move_the_count_on_the_message(live: Bot) -> None:
    message_id = await paper_message(live)
    for user in ("haruka", "mod", "owner"):
        await react(live, message_id, "👍", by=user)
    await until(lambda: shows(live, message_id, "👍 3 · 👎 0"))
    await settled(live)
    last = json.dumps(live.discord.edits_of(message_id)[-1], ensure_ascii=False)
    assert "👍 3 · 👎 0" in last
    assert live.discord.edits_of(message_id)[-1]["allowed_mentions"]["parse"] == []
    assert "👍 3 · 👎 0" in json.dumps(live.discord.messages[message_id], ensure_ascii=False)


async def test_a_burst_is_edited_at_most_once_per_interval(live: Bot) -> None:
    message_id = await paper_message(live)
    for emoji in ("👍", "👎", "👍", "🔥"):
        for user in USERS:
            if user != "bot":
                await react(live, message_id, emoji, by=user)
    await settled(live)
    times = [at for mid, _, at in live.discord.edits if mid == message_id]
    assert times
    assert all(b - a >= INTERVAL * 0.95 for a, b in itertools.pairwise(times))
    voters = len([u for u in USERS if u != "bot"])
    assert shows(live, message_id, f"👍 {voters} · 👎 0")
    last = json.dumps(live.discord.edits_of(message_id)[-1], ensure_ascii=False)
    assert f"👍 {voters} · 👎 0" in last


async def test_a_second_ask_links_to_the_first_answer_and_again_posts(live: Bot) -> None:
    message_id = await paper_message(live)
    async with handled(live.client, "message"):
        await live.discord.say(f"!paper {PAPER}")
    link = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{message_id}"
    replies = [json.dumps(b, ensure_ascii=False) for b in live.discord.sent()]
    assert link in replies[-1]
    assert "Quiet-STaR" not in replies[-1]  # a link, not a second copy
    async with handled(live.client, "interaction"):
        again = await live.discord.slash(f"{PAPER} --again")
    original = live.discord.original(again)
    assert original is not None
    assert "Quiet-STaR" in json.dumps(original, ensure_ascii=False)
