"""Posting to Discord: the ChatPort, digests, limits and splitting, rate limits, hostile input,
and `serve()` itself — all through the real discord.py client and the loopback Discord."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from redis.asyncio import Redis

from adapters.discord.chat import DiscordChat
from adapters.discord.runner import discord_api, serve
from adapters.discord.translate import channel_ref, message_ref
from bot.domain import Digest, DigestItem, Paper, Summary, Tally
from bot.errors import ConfigError
from bot.render import Heading, Paragraph, RichMessage
from bot.services import aio
from bot.services.poster import DigestPoster, Outcome
from bot.services.schedule import DueDigest
from tests.adapters.discord.conftest import TEAM, Bot, assert_no_mentions, handled, tally, until
from tests.fakes.discord import APP_ID, CHANNEL_ID, MOD_ROLE_ID, TOKEN, FakeDiscord, limit_errors
from tests.harness import Harness, paperboy_app, quiet_star, sample_papers

CHANNEL = channel_ref(int(CHANNEL_ID))
# The Monday run after ISO week 2024-W11: it covers Mar 11 to 17, 2024.
DUE = DueDigest(CHANNEL, "2024-W12", datetime(2024, 3, 18, 9, tzinfo=UTC), late=False, team=TEAM)
SENTENCE = "Reasoning tokens help the model on hard questions, at a price in compute. "


def channel_posts(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [c.json() for c in fake.calls(f"/channels/{CHANNEL_ID}/messages") if c.method == "POST"]


def bot_messages(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.messages.values() if m["author"]["id"] == APP_ID]


async def test_the_chat_port_splits_a_10k_message_and_returns_the_first_part(bot: Bot) -> None:
    text = (SENTENCE * 140).strip()  # ~10,000 characters
    message = RichMessage((Heading("Long read"), Paragraph(text)), "Long read", "2403.09629")
    ref = await bot.client.chat.post(CHANNEL, message)
    posts = channel_posts(bot.discord)
    # 4,096 per description and 6,000 per message: three messages of one embed each.
    assert len(posts) == 3
    assert all(limit_errors(body) == [] for body in posts)
    created = bot_messages(bot.discord)
    assert len(created) == 3  # Discord accepted every part
    assert ref == message_ref(int(CHANNEL_ID), int(created[0]["id"]))
    assert created[0]["embeds"][0]["title"] == "Long read"
    descriptions = [e["description"] for body in posts for e in body["embeds"]]
    assert " ".join(descriptions) == text


def digest(papers: list[Paper], trend: str) -> Digest:
    items = tuple(
        DigestItem(
            paper=paper,
            summary=Summary(
                arxiv_id=paper.arxiv_id,
                tldr=paper.abstract,
                key_points=("One.", "Two."),
                source="extractive",
            ),
            score=1.0,
            why="shared in this channel",
            tally=Tally(up=2),
        )
        for paper in papers
    )
    return Digest(
        channel=CHANNEL,
        week="2024-W11",
        language="en",
        first=date(2024, 3, 11),
        last=date(2024, 3, 17),
        trend=trend,
        trend_source="llm",
        items=items,
    )


async def test_a_digest_is_a_header_then_one_votable_message_per_paper(bot: Bot) -> None:
    papers = sample_papers()[:5]
    poster = DigestPoster(bot.app.redis, bot.app.channels)

    async def build() -> Digest:
        return digest(papers, (SENTENCE * 60).strip())

    delivery = await poster.deliver(bot.client.chat, DUE, build)
    assert (delivery.outcome, delivery.posted) == (Outcome.POSTED, 6)
    posts = channel_posts(bot.discord)
    assert all(limit_errors(body) == [] for body in posts)
    assert (
        posts[0]["embeds"][0]["title"] == "📰 Paperboy weekly digest · Mar 11\u2009–\u200917, 2024"
    )
    titles = [e.get("title") for body in posts[1:] for e in body["embeds"] if e.get("title")]
    assert [t.split(". ", 1)[0] for t in titles] == ["1", "2", "3", "4", "5"]
    created = bot_messages(bot.discord)
    first_paper = next(m for m in created if m["embeds"][0].get("title", "").startswith("1. "))
    async with handled(bot.client, "raw_reaction_add"):
        await bot.discord.react(str(first_paper["id"]), "👍")
    assert await tally(bot.app, papers[0].arxiv_id) == Tally(up=1)
    again = await poster.deliver(bot.client.chat, DUE, build)
    assert again.outcome == Outcome.ALREADY_DONE
    assert len(channel_posts(bot.discord)) == len(posts)


async def test_rate_limits_are_retried_by_discord_py(bot: Bot) -> None:
    bot.discord.rate_limit(f"/channels/{CHANNEL_ID}/messages", retry_after=0.05)
    await bot.client.chat.post(CHANNEL, RichMessage((Heading("Hello"),), "Hello"))
    assert len(channel_posts(bot.discord)) == 2  # the 429, then the retry
    assert len(bot_messages(bot.discord)) == 1


HOSTILE = f"@everyone @here <@&{MOD_ROLE_ID}> " + "spam " * 2000  # 10k characters


async def test_hostile_slash_input_gets_a_harmless_ephemeral_answer(bot: Bot) -> None:
    async with handled(bot.client, "interaction"):
        await bot.discord.slash(HOSTILE)
    (followup,) = [c.json() for c in bot.discord.calls("/webhooks/") if c.method == "POST"]
    assert followup["flags"] & (1 << 6)
    content = followup["content"]
    assert 0 < len(content) <= 2000
    assert "@everyone" not in content
    assert "@here" not in content
    assert f"<@&{MOD_ROLE_ID}>" not in content


async def test_hostile_message_commands_get_a_short_harmless_reply(bot: Bot) -> None:
    async with handled(bot.client, "message", count=2):
        await bot.discord.say("!paper " + HOSTILE)
    (reply,) = channel_posts(bot.discord)
    text = reply["content"] or ""
    assert 0 < len(text) <= 2000
    assert "@everyone" not in text
    assert f"<@&{MOD_ROLE_ID}>" not in text


async def test_a_hostile_paper_title_cannot_ping_or_inject_markup(
    redis_url: str, redis: Redis, fake_discord: FakeDiscord
) -> None:
    hostile = quiet_star().model_copy(
        update={
            "title": f"@everyone <@&{MOD_ROLE_ID}> [free](https://evil.example) " + "Long. " * 2000,
            "abstract": "@here **Click** now. " * 400,
        }
    )
    from tests.adapters.discord.conftest import running  # noqa: PLC0415

    async with (
        paperboy_app(redis_url, papers=[hostile], llm=False) as h,
        running(h.app, fake_discord) as client,
        handled(client, "interaction"),
    ):
        await fake_discord.slash("2403.09629")
    bodies = fake_discord.sent()
    assert bodies
    assert all(limit_errors(body) == [] for body in bodies)
    everything = str(bodies)
    assert "@everyone" not in everything
    assert "@here" not in everything
    assert f"<@&{MOD_ROLE_ID}>" not in everything
    assert "[free](https://evil.example)" not in everything
    assert_no_mentions(fake_discord)


async def test_serve_runs_until_cancelled_and_restores_discord_py(
    harness: Harness, fake_discord: FakeDiscord
) -> None:
    default_base, default_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    ready: list[object] = []

    async def on_ready(chat: object) -> None:
        ready.append(chat)

    task = asyncio.create_task(
        serve(
            harness.app,
            token=TOKEN,
            api_url=fake_discord.api_url,
            on_ready=on_ready,
            guild_ready_timeout=0.05,
        )
    )
    await until(lambda: bool(ready), task)
    assert fake_discord.count("/gateway/bot") == 1  # the gateway URL came from the API
    await fake_discord.slash("2403.09629")
    (followup,) = await fake_discord.wait_for("POST", "/webhooks/")
    assert followup.json()["embeds"][0]["title"].startswith("Quiet-STaR")
    await aio.stop(task)
    assert (default_base, default_gateway) == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert_no_mentions(fake_discord)


async def test_serve_without_a_token_says_which_setting_is_missing(harness: Harness) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await serve(harness.app)


def test_overlapping_api_overrides_restore_the_defaults_when_the_last_one_ends() -> None:
    default = Route.BASE
    first, second = (
        discord_api("http://127.0.0.1:1/api/v10/"),
        discord_api("http://127.0.0.1:1/api/v10"),
    )
    first.__enter__()
    second.__enter__()
    assert Route.BASE == "http://127.0.0.1:1/api/v10"
    first.__exit__(None, None, None)  # not the innermost: the override stays for `second`
    assert Route.BASE == "http://127.0.0.1:1/api/v10"
    second.__exit__(None, None, None)
    assert default == Route.BASE
    with discord_api(None):
        assert default == Route.BASE
    with (
        discord_api("http://127.0.0.1:1/api/v10"),
        pytest.raises(RuntimeError),
        discord_api("http://127.0.0.1:2/api/v10"),
    ):
        pass
    assert default == Route.BASE


async def test_the_chat_port_over_a_rest_only_client_disables_mentions_itself(
    fake_discord: FakeDiscord,
) -> None:
    """Workers post digests with a plain, gateway-less client (adapters/ports.py), which has
    no client-wide allowed_mentions: DiscordChat must send its own."""
    with discord_api(fake_discord.api_url):
        async with discord.Client(intents=discord.Intents.none()) as client:
            await client.login(TOKEN)
            ref = await DiscordChat(client).post(
                CHANNEL, RichMessage((Heading("@everyone hi"),), "x")
            )
    (body,) = fake_discord.sent()
    assert body["allowed_mentions"] == {"parse": []}
    assert ref.message_id in fake_discord.messages
    assert fake_discord.count("/gateway") == 0
