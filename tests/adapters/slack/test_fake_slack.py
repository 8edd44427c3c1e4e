"""The loopback Slack answers the real AsyncWebClient in Slack's documented shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import BOT_ID, BOT_TOKEN, BOT_USER_ID, FakeSlack, block_errors


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    async with aiohttp.ClientSession() as session:
        yield AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url, session=session)


async def test_auth_test_names_the_bot(client: AsyncWebClient) -> None:
    answer = await client.auth_test()
    assert (answer["ok"], answer["user_id"], answer["bot_id"]) == (True, BOT_USER_ID, BOT_ID)


async def test_update_and_reactions_on_a_posted_message(
    client: AsyncWebClient, slack: FakeSlack
) -> None:
    posted = await client.chat_postMessage(channel="C0PAPERS1", text="hello")
    assert posted["message"]["bot_id"] == BOT_ID
    updated = await client.chat_update(channel="C0PAPERS1", ts=posted["ts"], text="hi")
    assert (updated["ts"], updated["text"]) == (posted["ts"], "hi")
    await client.reactions_add(channel="C0PAPERS1", timestamp=posted["ts"], name="thumbsup")
    assert slack.reactions[0]["name"] == "thumbsup"
    with pytest.raises(SlackApiError, match="message_not_found"):
        await client.chat_update(channel="C0PAPERS1", ts="1.000000", text="x")


async def test_conversations_and_users(client: AsyncWebClient, slack: FakeSlack) -> None:
    slack.not_in_channel.add("C0OUTSIDE")
    info = await client.conversations_info(channel="C0OUTSIDE")
    assert info["channel"]["is_member"] is False
    user = await client.users_info(user="U0ADMIN01")
    assert user["user"]["is_admin"] is True
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(user="U0NOBODY1")


async def test_limits_are_refused_like_slack(client: AsyncWebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel="C0PAPERS1", text="t", blocks=[section] * 51)
    with pytest.raises(SlackApiError, match="msg_too_long"):
        await client.chat_postMessage(channel="C0PAPERS1", text="x" * 40_001)
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3_001}}
    assert block_errors([too_long]) == ["[0] section text must be 1 to 3000 characters"]


async def test_missing_token_is_not_authed(slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        anonymous = AsyncWebClient(base_url=slack.api_url, session=session)
        with pytest.raises(SlackApiError, match="not_authed"):
            await anonymous.auth_test()
