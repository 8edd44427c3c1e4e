"""SlackChat (the ChatPort) through the real AsyncWebClient against the loopback Slack."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError

from adapters.slack.chat import SlackChat, build_client, error_code
from bot.domain import ChannelRef
from bot.render import Context, Paragraph, RichMessage
from tests.fakes.server import Fault
from tests.fakes.slack import BOT_TOKEN, FakeSlack, block_errors

CHANNEL = ChannelRef(platform="slack", channel_id="C0PAPERS1")
NOTE = RichMessage((Paragraph("Hello & welcome.", label="Note"),), "Hello & welcome.", "2403.09629")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def chat_for(
    slack: FakeSlack, session: aiohttp.ClientSession, *, token: str = BOT_TOKEN, interval: float = 0
) -> SlackChat:
    client = build_client(SecretStr(token), slack.api_url.rstrip("/"), session)
    return SlackChat(client, interval=interval, session=session)


async def test_post_sends_escaped_blocks_without_unfurls(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    ref = await chat_for(slack, session).post(CHANNEL, NOTE)
    [call] = slack.api_calls("chat.postMessage")
    assert call["channel"] == "C0PAPERS1"
    assert call["unfurl_links"] is False
    assert call["unfurl_media"] is False
    assert call["text"] == "Hello &amp; welcome."
    assert call["blocks"][0]["text"]["text"] == "*Note*\nHello &amp; welcome."
    assert block_errors(call["blocks"]) == []
    assert ref.channel == CHANNEL
    assert ref.message_id == slack.posted[0]["ts"]
    assert slack.calls("/api/")[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"


async def test_a_long_message_is_posted_in_parts_and_the_first_part_is_returned(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    long = RichMessage(tuple(Context(f"Part {i}. " + "word " * 100) for i in range(80)), "Long")
    ref = await chat_for(slack, session).post(CHANNEL, long)
    assert len(slack.posted) >= 2
    assert ref.message_id == slack.posted[0]["ts"]
    assert all(block_errors(p["blocks"]) == [] for p in slack.posted)


async def test_429_waits_for_retry_after_and_posts_once(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    slack.inject(Fault.too_many(1, path="chat.postMessage"))
    ref = await chat_for(slack, session).post(CHANNEL, NOTE)
    calls = slack.calls("chat.postMessage")
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 1.0  # Retry-After honoured, not retried at once
    assert len(slack.posted) == 1
    assert ref.message_id == slack.posted[0]["ts"]


async def test_posts_in_one_channel_are_paced(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    chat = chat_for(slack, session, interval=0.3)
    for _ in range(3):
        await chat.post(CHANNEL, NOTE)
    calls = slack.calls("chat.postMessage")
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    assert all(gap >= 0.3 for gap in gaps), gaps
    other = ChannelRef(platform="slack", channel_id="C0OTHER01")
    await asyncio.gather(chat.post(CHANNEL, NOTE), chat.post(other, NOTE))
    order = [p["channel"] for p in slack.posted]
    assert order[-2:] == ["C0OTHER01", "C0PAPERS1"]  # the other channel does not queue


async def test_not_in_channel_is_raised_with_its_code(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    slack.not_in_channel.add("C0PAPERS1")
    with pytest.raises(SlackApiError) as raised:
        await chat_for(slack, session).post(CHANNEL, NOTE)
    assert error_code(raised.value) == "not_in_channel"
    assert slack.posted == []


async def test_a_wrong_token_is_refused_and_never_shown(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    wrong = "xoxb-9999-wrong-token-value"
    with pytest.raises(SlackApiError) as raised:
        await chat_for(slack, session, token=wrong).post(CHANNEL, NOTE)
    assert error_code(raised.value) == "invalid_auth"
    assert wrong not in str(raised.value)
    assert wrong not in repr(raised.value)


async def test_respond_packs_messages_into_the_response_url(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    url = slack.response_url()
    await chat_for(slack, session).respond(url, [NOTE, NOTE], ephemeral=True)
    [answer] = slack.responses
    assert answer["response_type"] == "ephemeral"
    assert [b["type"] for b in answer["blocks"]] == ["section", "divider", "section"]


async def test_post_ephemeral_goes_to_one_user(
    slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    await chat_for(slack, session).post_ephemeral(CHANNEL, "U0READER1", [NOTE])
    [call] = slack.api_calls("chat.postEphemeral")
    assert (call["channel"], call["user"]) == ("C0PAPERS1", "U0READER1")
