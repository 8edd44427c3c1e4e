"""A Slack test bed: the real Bolt app served over HTTP on 127.0.0.1, the real Paperboy core
(tests/harness.py: real Redis, arXiv/HF/OpenAI fakes) and a loopback Slack Web API reached by
the real AsyncWebClient through SLACK_API_URL. Requests are signed as Slack signs them."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
import redis.asyncio as aioredis

from adapters.slack.app import SlackAdapter
from adapters.slack.runner import http_server
from bot.app import Paperboy
from bot.domain import ChannelRef, MessageRef, Tally
from tests.conftest import FIXTURES
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack, event_callback
from tests.harness import Harness, paperboy_app

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C2147483705"
USER = "U2147483697"
TEAM = f"slack:{TEAM_ID}"  # the workspace of the fixtures' payloads and of auth.test
_serial = itertools.count(1)


async def tally(app: Paperboy, paper: str, team: str = TEAM) -> Tally:
    """The paper's tally as `team` reads it (its own votes, or its linked group's)."""
    return await app.votes.tally(await app.teams.ledger(team), paper)


def signature(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`: exactly how Slack signs."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature(body, stamp)}


def command_form(text: str, *, response_url: str, user: str = USER, channel: str = CHANNEL) -> str:
    """tests/fixtures/slack_slash_command_paper.txt with another text, user or channel."""
    lines = (FIXTURES / "slack_slash_command_paper.txt").read_text().splitlines()
    fields = dict(parse_qsl(next(line for line in lines if line and not line.startswith("#"))))
    fields.update(text=text, response_url=response_url, user_id=user, channel_id=channel)
    return urlencode(fields)


def reaction_body(
    ts: str,
    *,
    user: str = "U024BE7LH",
    emoji: str = "+1",
    added: bool = True,
    channel: str = CHANNEL,
    item_type: str = "message",
) -> dict[str, Any]:
    """tests/fixtures/slack_event_reaction_added.json for another message, user or emoji."""
    body: dict[str, Any] = json.loads((FIXTURES / "slack_event_reaction_added.json").read_text())
    event = body["event"]
    event.update(user=user, reaction=emoji, type="reaction_added" if added else "reaction_removed")
    event["item"] = (
        {"type": "message", "channel": channel, "ts": ts}
        if item_type == "message"
        else {"type": "file", "file": "F0123ABCD"}
    )
    body["event_id"] = f"Ev{next(_serial):010d}"
    return body


def message_body(
    text: str, *, user: str = USER, channel: str = CHANNEL, **extra: Any
) -> dict[str, Any]:
    ts = f"{int(time.time())}.{next(_serial):06d}"
    event = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        **extra,
    }
    return event_callback(event, f"Ev{next(_serial):010d}")


@dataclass
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class SlackBed:
    """Push signed requests at the endpoint; look at what reached the fake Slack."""

    h: Harness
    adapter: SlackAdapter
    slack: FakeSlack
    url: str
    http: aiohttp.ClientSession
    response_urls: list[str] = field(default_factory=list)

    async def post(self, body: str, headers: dict[str, str], content_type: str) -> Answer:
        async with self.http.post(
            self.url, data=body.encode(), headers={**headers, "Content-Type": content_type}
        ) as resp:
            return Answer(resp.status, await resp.text())

    async def command(
        self,
        text: str,
        *,
        user: str = USER,
        channel: str = CHANNEL,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        self.response_urls.append(self.slack.response_url())
        body = command_form(text, response_url=self.response_urls[-1], user=user, channel=channel)
        return await self.post(
            body,
            headers if headers is not None else signed_headers(body),
            "application/x-www-form-urlencoded",
        )

    async def event(self, payload: dict[str, Any], *, retry: int | None = None) -> Answer:
        body = json.dumps(payload)
        headers = signed_headers(body)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, headers, "application/json")

    async def ask(self, text: str, **kw: Any) -> Answer:
        """`/paper <text>` and wait until its reply is delivered."""
        answer = await self.command(text, **kw)
        await self.adapter.drain()
        return answer

    async def posted_paper(self, text: str = "2403.09629") -> str:
        """Ask for a paper; the ts of the paper message Paperboy posted."""
        before = len(self.slack.posted)
        await self.ask(text)
        assert len(self.slack.posted) == before + 1, self.slack.api_calls("chat.postEphemeral")
        return str(self.slack.posted[-1]["ts"])

    def ref(self, ts: str, channel: str = CHANNEL) -> MessageRef:
        return MessageRef(channel=ChannelRef(platform="slack", channel_id=channel), message_id=ts)


@contextlib.contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    """The loopback Slack with a member, an admin and an owner."""
    with FakeSlack() as fake:
        fake.add_user(USER)
        fake.add_user("U0ADMIN01", admin=True)
        fake.add_user("U0OWNER01", owner=True)
        yield fake


@contextlib.asynccontextmanager
async def slack_bed(redis_url: str, slack: FakeSlack, **settings: Any) -> AsyncIterator[SlackBed]:
    """A real Paperboy served by the real Bolt app over HTTP, posting to `slack`."""
    async with (
        paperboy_app(
            redis_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            PAPERBOY_ADMINS="U0LISTED1",
            **settings,
        ) as h,
        SlackAdapter.open(h.app, http=True, interval=0) as adapter,
        http_server(adapter, host="127.0.0.1", port=0) as port,
        aiohttp.ClientSession() as http,
    ):
        yield SlackBed(h, adapter, slack, f"http://127.0.0.1:{port}/slack/events", http)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as fake:
        yield fake


@pytest.fixture
async def bed(redis_url: str, redis: aioredis.Redis, slack: FakeSlack) -> AsyncIterator[SlackBed]:
    async with slack_bed(redis_url, slack) as opened:
        yield opened
