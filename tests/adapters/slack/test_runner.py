"""`serve()` as `paperboy run slack` runs it: HTTP until cancelled, and Socket Mode over a
WebSocket to the loopback Slack (no public URL), both cleaning up when cancelled."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
import redis.asyncio as aioredis

from adapters.slack.app import LOOKING_UP
from adapters.slack.runner import serve
from bot.domain import Tally
from bot.errors import ConfigError
from bot.services.aio import running
from tests.adapters.slack.conftest import SIGNING_SECRET, command_form, reaction_body, tally
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.harness import Harness, paperboy_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_listening(port: int) -> None:
    """Wait until the server accepts connections (readiness, not a timing assertion)."""
    for _ in range(1000):
        if _listening(port):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"nothing listens on port {port}")


@asynccontextmanager
async def harness(redis_url: str, slack: FakeSlack, **env: Any) -> AsyncIterator[Harness]:
    values = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url, **env}
    async with paperboy_app(redis_url, **values) as h:
        yield h


async def test_http_serves_until_cancelled_then_frees_the_port(
    redis_url: str, redis: aioredis.Redis, slack: FakeSlack
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with (
        harness(redis_url, slack, SLACK_SIGNING_SECRET=SIGNING_SECRET) as h,
        aiohttp.ClientSession() as http,
    ):
        async with running(serve(h.app, http=True, host="127.0.0.1", port=port, interval=0)):
            await wait_listening(port)
            async with http.get(f"{base}/healthz") as resp:
                assert resp.status == 200
            async with http.post(f"{base}/slack/events", data=b"text=help") as resp:
                assert resp.status == 401  # unsigned
        assert not _listening(port)


async def test_socket_mode_takes_commands_and_reactions(
    redis_url: str, redis: aioredis.Redis, slack: FakeSlack
) -> None:
    async with (
        harness(redis_url, slack, SLACK_APP_TOKEN=APP_TOKEN) as h,
        running(serve(h.app, interval=0)),
    ):
        await asyncio.to_thread(slack.wait_connected)
        form = dict(parse_qsl(command_form("2403.09629", response_url=slack.response_url())))
        ack = await _push(slack, "slash_commands", form)
        assert ack["payload"] == {"text": LOOKING_UP}
        [post] = await asyncio.to_thread(slack.wait_posted, 1)
        ts = post["ts"]
        ack = await _push(slack, "events_api", reaction_body(ts, user="U0VOTER01"))
        assert "payload" not in ack
        assert await tally(h.app, "2403.09629") == Tally(up=1)
    assert slack.calls("apps.connections.open")[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"


async def _push(slack: FakeSlack, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    envelope_id = str(uuid.uuid4())
    envelope: dict[str, Any] = {
        "envelope_id": envelope_id,
        "payload": payload,
        "type": kind,
        "accepts_response_payload": kind != "events_api",
    }
    if kind == "events_api":
        envelope |= {"retry_attempt": 0, "retry_reason": ""}
    await asyncio.to_thread(slack.push, envelope)
    return await asyncio.to_thread(slack.wait_ack, envelope_id)


@pytest.mark.parametrize(
    ("env", "http", "missing"),
    [
        ({}, False, "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": APP_TOKEN}, True, "SLACK_SIGNING_SECRET"),
    ],
)
async def test_missing_tokens_are_named(
    redis_url: str,
    redis: aioredis.Redis,
    slack: FakeSlack,
    env: dict[str, str],
    http: bool,
    missing: str,
) -> None:
    async with harness(redis_url, slack, **env) as h:
        with pytest.raises(ConfigError, match=missing):
            await serve(h.app, http=http, port=free_port())


async def test_missing_bot_token_is_named(redis_url: str, redis: aioredis.Redis) -> None:
    async with paperboy_app(redis_url, SLACK_APP_TOKEN=APP_TOKEN) as h:
        with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN") as raised:
            await serve(h.app)
    assert APP_TOKEN not in str(raised.value)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_a_refused_bot_token_stops_start_up(
    redis_url: str, redis: aioredis.Redis, slack: FakeSlack
) -> None:
    wrong = "xoxb-0000-0000-refusedtoken"
    with pytest.raises(ConfigError, match=r"Slack refused it \(invalid_auth\)") as raised:
        # the app opens the Slack chat port, which asks auth.test: start-up stops there
        async with harness(redis_url, slack, SLACK_BOT_TOKEN=wrong, SLACK_APP_TOKEN=APP_TOKEN) as h:
            await serve(h.app)
    assert wrong not in str(raised.value)
    assert slack.calls("apps.connections.open") == []  # refused before connecting
