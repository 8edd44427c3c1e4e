"""Slack payloads -> neutral events, on Slack's real shapes (tests/fixtures)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from adapters.slack import translate
from bot.domain import ChannelRef, MessageRef


@pytest.fixture
def reaction(fixtures_dir: Path) -> dict[str, Any]:
    return json.loads((fixtures_dir / "slack_event_reaction_added.json").read_text())


@pytest.fixture
def command(fixtures_dir: Path) -> dict[str, str]:
    lines = (fixtures_dir / "slack_slash_command_paper.txt").read_text().splitlines()
    body = next(line for line in lines if line and not line.startswith("#"))
    return dict(parse_qsl(body))


def message_event(**event: Any) -> dict[str, Any]:
    base = {
        "type": "message",
        "channel": "C2147483705",
        "user": "U2147483697",
        "text": "see https://arxiv.org/abs/2403.09629",
        "ts": "1710461000.000300",
        "event_ts": "1710461000.000300",
        "channel_type": "channel",
    }
    return {"type": "event_callback", "event_id": "Ev1", "event": {**base, **event}}


def test_reaction_added_becomes_a_neutral_event(reaction: dict[str, Any]) -> None:
    event = translate.reaction_changed(reaction)
    assert event is not None
    assert event.message == MessageRef(
        channel=ChannelRef(platform="slack", channel_id="C2147483705"),
        message_id="1710460800.000200",
    )
    assert (event.user, event.emoji, event.added, event.event_id) == (
        "U024BE7LH",
        "thumbsup",
        True,
        "Ev06QZ8K2R9A",
    )


def test_reaction_removed_and_skin_tones_pass_through(reaction: dict[str, Any]) -> None:
    removed = copy.deepcopy(reaction)
    removed["event"].update(type="reaction_removed", reaction="+1::skin-tone-3")
    event = translate.reaction_changed(removed)
    assert event is not None
    assert (event.added, event.emoji) == (False, "+1::skin-tone-3")


def test_reactions_on_files_are_not_votes(reaction: dict[str, Any]) -> None:
    on_file = copy.deepcopy(reaction)
    on_file["event"]["item"] = {"type": "file", "file": "F123"}
    assert translate.reaction_changed(on_file) is None


def test_the_bots_own_users_come_from_auth_test_and_the_envelope(
    reaction: dict[str, Any],
) -> None:
    assert translate.by_bot("U0BOTUSER", reaction)
    assert translate.by_bot("U0OTHER", reaction, frozenset({"U0OTHER"}))
    assert not translate.by_bot("U0PERSON", reaction, frozenset({"U0OTHER"}))
    reaction["authorizations"][0]["is_bot"] = False
    assert not translate.by_bot("U0BOTUSER", reaction)


def test_command_context_from_the_real_form_fields(command: dict[str, str]) -> None:
    ctx = translate.command_context(command, is_admin=False)
    assert (ctx.platform, ctx.user, ctx.channel.channel_id) == (
        "slack",
        "U2147483697",
        "C2147483705",
    )
    assert ctx.language is None


def test_ordinary_message_becomes_message_posted() -> None:
    posted = translate.message_posted(message_event())
    assert posted is not None
    assert posted.message.message_id == "1710461000.000300"
    assert posted.text.endswith("2403.09629")
    assert translate.message_posted(message_event(subtype="thread_broadcast")) is not None


@pytest.mark.parametrize(
    "change",
    [
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
        {"subtype": "bot_message", "bot_id": "B1"},
        {"bot_id": "B0BOT0001"},
        {"text": ""},
    ],
)
def test_edits_joins_and_bots_are_not_messages(change: dict[str, Any]) -> None:
    assert translate.message_posted(message_event(**change)) is None


def test_mention_text_drops_user_mentions() -> None:
    event = {"text": "<@U0BOTUSER> 2403.09629  <@U123|jiwoo> please"}
    assert translate.mention_text(event) == "2403.09629 please"
