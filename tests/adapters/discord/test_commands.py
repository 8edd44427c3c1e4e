"""`/paper`, `!paper` and mentions, end to end: the real discord.py client on the loopback
Discord, the real core on the arXiv/HF/OpenAI fakes and a real Redis."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from adapters.discord.client import APOLOGY
from adapters.discord.translate import channel_ref, message_ref
from bot import keys
from bot.commands import registry
from bot.domain import ChannelRef
from bot.services.channels import ChannelConfig
from bot.weeks import iso_week
from bot.window import Window, window_of_week
from tests.adapters.discord.conftest import TEAM, Bot, assert_no_mentions, handled, running
from tests.fakes.discord import APP_ID, CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.fakes.server import Fault
from tests.harness import paperboy_app

CHANNEL = channel_ref(int(CHANNEL_ID))
EPHEMERAL = 1 << 6


def this_week() -> Window:
    """The ISO week of today (UTC, the default time zone): papers shared now are in it."""
    return window_of_week(iso_week(), ZoneInfo("UTC"))


async def slash(bot: Bot, query: str, **options: Any) -> str:
    async with handled(bot.client, "interaction"):
        return await bot.discord.slash(query, **options)


async def say(bot: Bot, content: str, by: str = "haruka") -> str:
    async with handled(bot.client, "message", count=2 if content.startswith(("!", "<@")) else 1):
        return await bot.discord.say(content, by=by)


def replies(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [c.json() for c in fake.calls(f"/channels/{CHANNEL_ID}/messages") if c.method == "POST"]


async def stored(bot: Bot, channel: ChannelRef) -> ChannelConfig:
    """What the channel stored in the server's team (not the defaults laid over it)."""
    return (await bot.app.channels.view(channel, TEAM)).stored


def embed_text(body: dict[str, Any]) -> str:
    embed = body["embeds"][0]
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join([*parts, embed.get("footer", {}).get("text", "")])


async def test_start_up_identifies_with_the_documented_intents_and_syncs_paper(bot: Bot) -> None:
    identify = bot.discord.identified[0]
    assert identify["intents"] == 1 << 0 | 1 << 9 | 1 << 10 | 1 << 15
    (command,) = bot.discord.commands[None]  # synced globally: DISCORD_GUILD_ID is unset
    assert command["name"] == "paper"
    options = {o["name"]: o for o in command["options"]}
    assert options["query"]["required"] is True
    assert [c["value"] for c in options["lang"]["choices"]] == ["en", "ko", "ja", "zh"]
    assert options["query"]["autocomplete"] is True


async def test_paper_is_deferred_then_answered_with_a_paper_embed(bot: Bot) -> None:
    interaction_id = await slash(bot, "2403.09629")
    callbacks = bot.discord.calls(f"/interactions/{interaction_id}/")
    assert [c.json() for c in callbacks] == [{"type": 5}]  # deferred at once
    (followup,) = [c for c in bot.discord.calls(f"/webhooks/{APP_ID}/") if c.method == "POST"]
    assert followup.at > callbacks[0].at
    body = followup.json()
    embed = body["embeds"][0]
    assert embed["title"].startswith("Quiet-STaR: Language Models Can Teach Themselves")
    assert embed["url"] == "https://arxiv.org/abs/2403.09629v1"
    assert embed["fields"][0] == {
        "name": "TL;DR",
        "inline": False,
        "value": "When writing and talking, people sometimes pause to think.",
    }
    assert "🤖" in embed["footer"]["text"]
    assert "👍 0 · 👎 0" in embed["footer"]["text"]
    assert body.get("flags", 0) & EPHEMERAL == 0
    original = bot.discord.original(interaction_id)
    assert original is not None
    assert original["embeds"][0]["title"] == embed["title"]
    mapped = await bot.app.channels.paper_for(
        TEAM, message_ref(int(CHANNEL_ID), int(original["id"]))
    )
    assert mapped == "2403.09629"


async def test_the_lang_option_answers_in_that_language(bot: Bot) -> None:
    await slash(bot, "2403.09629", lang="ko")
    (followup,) = [c for c in bot.discord.calls("/webhooks/") if c.method == "POST"]
    text = embed_text(followup.json())
    assert "요약: 이 논문은 다음을 다룹니다" in text
    assert "논문: Quiet-STaR" in text  # the translated title
    assert "language code: ko" in bot.h.llm.calls("/chat/completions")[0].body.decode()


async def test_a_user_error_is_ephemeral_and_the_thinking_message_removed(bot: Bot) -> None:
    interaction_id = await slash(bot, "2401.99999", locale="en-US")  # the sample says ja
    deletes = [c for c in bot.discord.calls("/messages/@original") if c.method == "DELETE"]
    assert len(deletes) == 1
    assert bot.discord.original(interaction_id) is None
    (followup,) = [c for c in bot.discord.calls("/webhooks/") if c.method == "POST"]
    assert followup.json()["flags"] & EPHEMERAL
    assert "arXiv has no paper 2401.99999" in followup.json()["content"]


async def test_autocomplete_offers_the_sub_commands(bot: Bot) -> None:
    interaction_id = await slash(bot, "to", autocomplete=True)
    (callback,) = bot.discord.calls(f"/interactions/{interaction_id}/")
    answer = callback.json()
    assert answer["type"] == 8
    values = [c["value"] for c in answer["data"]["choices"]]
    assert "top" in values
    assert values == [spec.name for spec in registry.specs() if spec.name.startswith("to")]


async def test_bang_paper_answers_in_the_channel_as_a_reply(bot: Bot) -> None:
    asked = await say(bot, "!paper 2403.09629")
    (reply,) = replies(bot.discord)
    assert str(reply["message_reference"]["message_id"]) == asked
    assert reply["embeds"][0]["title"].startswith("Quiet-STaR")
    assert bot.discord.count(f"/channels/{CHANNEL_ID}/typing") == 1
    posted = [m for m in bot.discord.messages.values() if m["author"]["id"] == APP_ID]
    mapped = await bot.app.channels.paper_for(
        TEAM, message_ref(int(CHANNEL_ID), int(posted[0]["id"]))
    )
    assert mapped == "2403.09629"


async def test_mentioning_the_bot_works_like_the_prefix(bot: Bot) -> None:
    await say(bot, f"<@{APP_ID}> 2403.09629")
    (reply,) = replies(bot.discord)
    assert reply["embeds"][0]["url"] == "https://arxiv.org/abs/2403.09629v1"


async def test_help_and_top_mirror_the_slack_sub_commands(bot: Bot) -> None:
    await say(bot, "!paper help")
    await say(bot, "!paper top")
    help_reply, top_reply = replies(bot.discord)
    assert "/paper lang <en|ko|ja|zh>" in embed_text(help_reply)
    assert "No votes yet" in embed_text(top_reply)
    this_week = window_of_week(iso_week(), ZoneInfo("UTC")).label("en")  # the days, not W49
    assert top_reply["embeds"][0]["title"] == f"🏆 Top papers · {this_week}"


async def test_ordinary_messages_share_papers_and_get_no_reply(bot: Bot) -> None:
    await say(bot, "worth a read: https://arxiv.org/abs/2403.09629v2 and arXiv:2401.08541")
    shared = await bot.app.channels.shared(TEAM, CHANNEL, this_week())
    assert shared == {"2403.09629": 1, "2401.08541": 1}
    assert replies(bot.discord) == []


async def test_the_bots_own_messages_are_neither_commands_nor_shares(bot: Bot) -> None:
    async with handled(bot.client, "message"):
        await bot.discord.say("!paper top https://arxiv.org/abs/2403.09629", by="bot")
    assert replies(bot.discord) == []
    assert await bot.app.channels.shared(TEAM, CHANNEL, this_week()) == {}


@pytest.mark.parametrize(("who", "allowed"), [("haruka", False), ("mod", True), ("owner", True)])
async def test_bang_paper_lang_needs_manage_server(bot: Bot, who: str, allowed: bool) -> None:
    await say(bot, "!paper lang ko", by=who)
    (reply,) = replies(bot.discord)
    config = await stored(bot, CHANNEL)
    if allowed:
        assert config.language == "ko"
        assert "한국어" in reply["content"]
    else:
        assert config.language is None
        assert "admins" in reply["content"]


@pytest.mark.parametrize(("who", "allowed"), [("haruka", False), ("mod", True)])
async def test_slash_lang_uses_the_permissions_discord_computed(
    bot: Bot, who: str, allowed: bool
) -> None:
    await slash(bot, "lang ja", by=who)
    config = await stored(bot, CHANNEL)
    assert config.language == ("ja" if allowed else None)
    (followup,) = [c.json() for c in bot.discord.calls("/webhooks/") if c.method == "POST"]
    assert bool(followup.get("flags", 0) & EPHEMERAL) is not allowed


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("PAPERBOY_DISCORD_ADMIN_ROLES", "paper club"),
        ("PAPERBOY_ADMINS", "discord:803912331233886211"),
    ],
)
async def test_configured_admin_roles_and_ids(
    redis_url: str, redis: Redis, fake_discord: FakeDiscord, setting: str, value: str
) -> None:
    overrides: dict[str, Any] = {setting: value}
    async with paperboy_app(redis_url, **overrides) as h, running(h.app, fake_discord):
        await fake_discord.say("!paper lang zh", by="clubber")
        await fake_discord.wait_for("POST", f"/channels/{CHANNEL_ID}/messages")
        assert (await h.app.channels.view(CHANNEL, TEAM)).stored.language == "zh"
    assert_no_mentions(fake_discord)


async def test_commands_synced_to_a_guild_answer_guild_interactions(
    harness: Any, fake_discord: FakeDiscord
) -> None:
    async with running(harness.app, fake_discord, guild_id=int(GUILD_ID)):
        assert [c["name"] for c in fake_discord.commands[GUILD_ID]] == ["paper"]
        assert None not in fake_discord.commands
        await fake_discord.slash("2403.09629")
        (followup,) = await fake_discord.wait_for("POST", "/webhooks/")
    assert followup.json()["embeds"][0]["title"].startswith("Quiet-STaR")


async def test_a_failed_delivery_ends_in_an_apology_not_endless_thinking(bot: Bot) -> None:
    bot.discord.inject(Fault.error(400, path="/webhooks/"))
    await slash(bot, "2403.09629", locale="en-US")  # the sample says ja
    first, second = [c.json() for c in bot.discord.calls("/webhooks/") if c.method == "POST"]
    assert first["embeds"][0]["title"].startswith("Quiet-STaR")
    assert second["content"] == APOLOGY
    assert second["flags"] & EPHEMERAL


async def test_stopping_lets_an_answer_in_flight_finish_and_count_its_votes(
    harness: Any, fake_discord: FakeDiscord
) -> None:
    harness.llm.latency = 0.5
    async with running(harness.app, fake_discord):
        await fake_discord.slash("2403.09629")
        await fake_discord.wait_for("POST", "/callback")  # deferred; the LLM is still at work
    # `running` stopped the bot here, half a second before the answer was ready
    (followup,) = [c for c in fake_discord.calls(f"/webhooks/{APP_ID}/") if c.method == "POST"]
    assert followup.json()["embeds"][0]["title"].startswith("Quiet-STaR")
    mapped = await harness.app.redis.keys(keys.message(TEAM, "discord:*"))
    assert len(mapped) == 1  # the answer's message -> paper map, so reactions on it are votes
    assert await harness.app.redis.get(mapped[0]) == b"2403.09629"
