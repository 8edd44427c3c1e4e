"""Votes belong to the team they were cast in, through both real adapters on one Paperboy: two
Discord servers (the real discord.py client on the loopback Discord) and one Slack workspace
(the real Bolt app over HTTP). `/paper top` in each team shows that team's votes; linked teams
read each other's votes, and unlinking splits them again."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.discord.translate import guild_team
from tests.adapters.discord.conftest import Bot, handled, running
from tests.adapters.discord.test_commands import embed_text
from tests.adapters.slack.conftest import TEAM as WORKSPACE
from tests.adapters.slack.conftest import SlackBed, fake_slack, reaction_body, slack_bed
from tests.fakes import discord_payloads as p
from tests.fakes.discord import APP_ID, CHANNEL_ID, GUILD_ID, USERS, FakeDiscord
from tests.fakes.discord_wire import InteractionState, member_of

PAPER = "2403.09629"
# The fake's own server, and a second one with its own channel and members: its events are
# built here with the fake's payload builders (the fake's gateway announces only the first).
FIRST = (GUILD_ID, CHANNEL_ID)
SECOND = ("1100000000000000002", "1100000000000000102")
SERVER_A, SERVER_B = guild_team(int(FIRST[0])), guild_team(int(SECOND[0]))
ROW = re.compile(r"👍 (\d+) · 👎 (\d+)")


@dataclass
class Beds:
    slack: SlackBed
    discord: Bot


@pytest.fixture
async def beds(redis_url: str, redis: aioredis.Redis) -> AsyncIterator[Beds]:
    """One app, served to Slack and to Discord at once."""
    with fake_slack() as slack, FakeDiscord() as discord:
        async with slack_bed(redis_url, slack) as bed, running(bed.h.app, discord) as client:
            yield Beds(bed, Bot(bed.h, discord, client))


async def slash_in(bot: Bot, server: tuple[str, str], query: str) -> dict[str, Any]:
    """`/paper <query>` by haruka in `server`'s channel, answered: the message Discord holds."""
    fake, (guild_id, channel_id) = bot.discord, server
    interaction_id, token = fake.ids.next(), f"aW50ZXJhY3Rpb246{fake.ids.next()}"
    fake.interactions[token] = InteractionState(interaction_id, token, channel_id)
    data = p.interaction(
        interaction_id,
        token,
        app_id=APP_ID,
        guild_id=guild_id,
        channel_id=channel_id,
        options=[{"name": "query", "type": 3, "value": query}],
        member_data=member_of("haruka", with_permissions=True),
    )
    async with handled(bot.client, "interaction"):
        await fake.push("INTERACTION_CREATE", data)
    original = fake.original(interaction_id)
    assert original is not None
    return original


async def react_in(
    bot: Bot, server: tuple[str, str], message_id: str, user_id: str, emoji: str
) -> None:
    guild_id, channel_id = server
    data = p.reaction(
        added=True,
        user_id=user_id,
        channel_id=channel_id,
        message_id=message_id,
        guild_id=guild_id,
        emoji={"id": None, "name": emoji},
        member_data=p.member(p.user(user_id, f"member{user_id[-2:]}"), []),
        author_id=APP_ID,
    )
    async with handled(bot.client, "raw_reaction_add"):
        await bot.discord.push("MESSAGE_REACTION_ADD", data)


async def top_rows(beds: Beds) -> dict[str, list[tuple[int, int]]]:
    """(👍, 👎) of each row of `/paper top all`, asked in each team."""
    texts = {
        SERVER_A: embed_text(await slash_in(beds.discord, FIRST, "top all")),
        SERVER_B: embed_text(await slash_in(beds.discord, SECOND, "top all")),
    }
    await beds.slack.ask("top all")
    texts[WORKSPACE] = beds.slack.slack.posted[-1]["text"]
    assert all(PAPER in text for text in texts.values()), texts
    return {team: [(int(u), int(d)) for u, d in ROW.findall(t)] for team, t in texts.items()}


async def test_each_team_reads_its_own_votes_until_linked(beds: Beds) -> None:
    bot = beds.discord
    in_a = (await slash_in(bot, FIRST, PAPER))["id"]
    for name in ("haruka", "mod"):
        await react_in(bot, FIRST, in_a, USERS[name][0], "👍")
    in_b = (await slash_in(bot, SECOND, PAPER))["id"]
    for n, emoji in enumerate(("👍", "🔥", "⬆️", "👎"), 1):
        await react_in(bot, SECOND, in_b, f"90390000000000000{n}", emoji)
    ts = await beds.slack.posted_paper(PAPER)
    assert (await beds.slack.event(reaction_body(ts, user="U0VOTER01"))).status == 200
    alone = {SERVER_A: [(2, 0)], SERVER_B: [(3, 1)], WORKSPACE: [(1, 0)]}
    assert await top_rows(beds) == alone

    app = bot.app
    await app.teams.link(SERVER_A, SERVER_B)
    await app.teams.link(SERVER_B, WORKSPACE)
    assert await top_rows(beds) == {SERVER_A: [(6, 1)], SERVER_B: [(6, 1)], WORKSPACE: [(6, 1)]}
    await app.teams.unlink(SERVER_B)
    assert await top_rows(beds) == {SERVER_A: [(3, 0)], SERVER_B: [(3, 1)], WORKSPACE: [(3, 0)]}
    await app.teams.unlink(WORKSPACE)
    assert await top_rows(beds) == alone
