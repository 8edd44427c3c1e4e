"""Discord objects -> core events and contexts, from Discord's recorded payload shapes."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.translate import (
    AdminPolicy,
    channel_ref,
    command_text,
    emoji_text,
    reaction_changed,
)
from bot.config import load_settings
from bot.domain import ChannelRef, MessageRef
from bot.emoji import VoteEmoji
from tests.fakes import discord_payloads as p

BOT = 1190000000000000001


def raw_reaction(data: dict[str, object], event_type: str) -> discord.RawReactionActionEvent:
    emoji = discord.PartialEmoji.from_dict(data["emoji"])  # type: ignore[arg-type]
    return discord.RawReactionActionEvent(data, emoji, event_type)  # type: ignore[arg-type]


def test_the_recorded_reaction_add_becomes_a_reaction_changed() -> None:
    data = p.fixture("discord_dispatch_message_reaction_add.json")["d"]
    event = reaction_changed(raw_reaction(data, "REACTION_ADD"))
    assert event.message == MessageRef(
        channel=ChannelRef(platform="discord", channel_id="1100000000000000002"),
        message_id="1218112345678901234",
    )
    assert (event.user, event.emoji, event.added) == ("803912331233886208", "👍", True)


def test_a_reaction_remove_without_member_is_a_removal() -> None:
    data = p.reaction(
        added=False,
        user_id="1",
        channel_id="2",
        message_id="3",
        guild_id="4",
        emoji={"id": None, "name": "👎🏽"},
    )
    assert "member" not in data
    event = reaction_changed(raw_reaction(data, "REACTION_REMOVE"))
    assert not event.added
    assert VoteEmoji().value(event.emoji) == -1  # the core folds the skin tone


def test_custom_emoji_are_named_and_unicode_ones_kept_whole() -> None:
    assert emoji_text(discord.PartialEmoji(name="upvote", id=1234)) == "upvote"
    assert emoji_text(discord.PartialEmoji(name="⬆️")) == "⬆️"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("!paper 2403.09629", "2403.09629"),
        ("  !PAPER   top week ", "top week"),
        ("!paper", ""),
        ("!paper\nlang ko", "lang ko"),
        (f"<@{BOT}> quiet star", "quiet star"),
        (f"<@!{BOT}> help", "help"),
        ("!papers are great", None),
        ("!paperboy", None),
        ("see !paper 2403.09629", None),
        ("<@42> 2403.09629", None),
        ("https://arxiv.org/abs/2403.09629", None),
    ],
)
def test_command_text(content: str, expected: str | None) -> None:
    assert command_text(content, prefix="!paper", bot_id=BOT) == expected


def test_a_custom_prefix() -> None:
    assert command_text("?pb 2403.09629", prefix="?pb", bot_id=None) == "2403.09629"
    assert command_text("!paper 2403.09629", prefix="?pb", bot_id=None) is None


def role(role_id: int, name: str) -> discord.Role:
    guild = discord.Object(id=1)
    return discord.Role(guild=guild, state=None, data=p.role(str(role_id), name, 0))  # type: ignore[arg-type]


def test_admin_policy_from_settings() -> None:
    settings = load_settings(
        PAPERBOY_ADMINS="U1,discord:42, 7 ", PAPERBOY_DISCORD_ADMIN_ROLES="Paper club, 555"
    )
    policy = AdminPolicy.from_settings(settings)
    nobody = discord.Permissions.none()
    assert policy.allows(42, nobody, ())
    assert policy.allows(7, nobody, ())
    assert not policy.allows(8, nobody, ())
    assert policy.allows(8, nobody, [role(9, "paper CLUB")])
    assert policy.allows(8, nobody, [role(555, "anything")])
    assert not policy.allows(8, nobody, [role(9, "Readers")])
    assert policy.allows(8, discord.Permissions(manage_guild=True), ())
    assert policy.allows(8, discord.Permissions(administrator=True), ())
    assert not policy.allows(8, None, ())


def test_channel_refs_are_strings_of_discord_ids() -> None:
    assert channel_ref(1100000000000000002).key == "discord:1100000000000000002"
