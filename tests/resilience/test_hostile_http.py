"""Hostile HTTP against the real Bolt app through the server that ships (`bot.web.serve`).

Junk from anyone is refused 401/400 with at most one WARNING per kind and no traceback; signed
but malformed payloads get 400; slow-loris clients are cut off by the read timeouts (shortened
here); the body limit stays; a replayed `/paper` runs once; failing reactions during a Redis
outage log one traceback, not one per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from adapters.slack.app import SlackAdapter
from adapters.slack.runner import http_server
from bot.services.redis_server import find_redis_server
from bot.web import LIMITS, Limits
from tests.adapters.slack.conftest import (
    SIGNING_SECRET,
    USER,
    SlackBed,
    command_form,
    reaction_body,
    signature,
    signed_headers,
)
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.harness import paperboy_app

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SHORT = Limits(header_timeout=0.3, body_timeout=0.3, linger=0.1)
BURST = 40


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(USER)
        yield fake


@asynccontextmanager
async def slack_bed(
    redis_url: str, slack: FakeSlack, limits: Limits = LIMITS
) -> AsyncIterator[SlackBed]:
    async with (
        paperboy_app(
            redis_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
        ) as h,
        SlackAdapter.open(h.app, http=True, interval=0) as adapter,
        http_server(adapter, host="127.0.0.1", port=0, limits=limits) as port,
        aiohttp.ClientSession() as http,
    ):
        yield SlackBed(h, adapter, slack, f"http://127.0.0.1:{port}/slack/events", http)


@pytest.fixture
async def bed(redis_url: str, redis: aioredis.Redis, slack: FakeSlack) -> AsyncIterator[SlackBed]:
    async with slack_bed(redis_url, slack) as bed:
        yield bed


def assert_quiet(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """No traceback, no error, at most one WARNING per message; the warnings."""
    assert [r for r in caplog.records if r.exc_info or r.exc_text] == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    templates = [str(r.msg) for r in warnings]
    assert len(templates) == len(set(templates)), templates
    return warnings


def assert_nothing_done(bed: SlackBed) -> None:
    assert bed.slack.posted == []
    assert bed.slack.ephemeral == []
    assert bed.slack.responses == []
    assert bed.h.llm.chat_calls() == 0


def unsigned_junk() -> list[tuple[bytes, dict[str, str]]]:
    stamp = str(int(time.time()))
    body = '{"type": "event_callback", "event": '  # JSON that does not parse
    return [
        (body.encode(), {"Content-Type": JSON}),
        (body.encode(), {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=0"}),
        (b"{}", {"X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": "v0=00"}),
        (b"{}", {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature("", stamp)}),
        (b"\xff\xfe{", {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=1"}),
        (b"payload=%7Bnope", {"Content-Type": FORM}),
        (b"[1, 2, 3]", {"Content-Type": JSON, "X-Slack-Request-Timestamp": stamp}),
    ]


async def post(bed: SlackBed, body: bytes, headers: dict[str, str]) -> int:
    async with bed.http.post(bed.url, data=body, headers=headers) as resp:
        await resp.read()
        return resp.status


async def post_signed(bed: SlackBed, body: str, content_type: str) -> int:
    headers = {**signed_headers(body), "Content-Type": content_type}
    return await post(bed, body.encode(), headers)


async def test_unsigned_junk_is_refused_401_with_one_warning_and_no_traceback(
    bed: SlackBed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    requests = unsigned_junk() * BURST
    statuses = await asyncio.gather(*(post(bed, body, h) for body, h in requests))
    await bed.adapter.drain()
    assert set(statuses) == {401}
    assert_nothing_done(bed)
    [warning] = assert_quiet(caplog)
    assert "signature" in warning.getMessage()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"type": "event_callback", "event": ', JSON),  # does not parse
        ("[1, 2, 3]", JSON),  # not an object
        ('"just a string"', JSON),
        ("payload=%7Bnope", FORM),  # an interactivity payload that does not parse
        ("payload=%5B1%5D", FORM),
        ('{"type": "event_callback", "enterprise": 5}', JSON),
        ('{"type": "event_callback", "authorizations": [5]}', JSON),
        ("token=x&team_id=T1", f"{FORM}; charset=no-such-charset"),
    ],
)
async def test_signed_but_unparsable_bodies_are_400(
    bed: SlackBed, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    caplog.set_level(logging.WARNING)
    statuses = [await post_signed(bed, body, content_type) for _ in range(3)]
    await bed.adapter.drain()
    assert statuses == [400, 400, 400]
    assert_nothing_done(bed)
    assert len(assert_quiet(caplog)) == 1


def reaction_with(*, envelope: dict[str, Any] | None = None, **event: Any) -> str:
    body = reaction_body("1710460800.000200")
    body["event"].update(event)
    return json.dumps(body | (envelope or {}))


def command_without(field: str, bed: SlackBed) -> str:
    form = command_form("2403.09629", response_url=bed.slack.response_url())
    return "&".join(pair for pair in form.split("&") if not pair.startswith(f"{field}="))


@pytest.mark.parametrize(
    "malformed",
    [
        lambda bed: (reaction_with(item=["C1", "1.2"]), JSON),
        lambda bed: (reaction_with(item="C1"), JSON),
        lambda bed: (reaction_with(envelope={"authorizations": 5}), JSON),
        lambda bed: (reaction_with(envelope={"event": ["reaction_added"]}), JSON),
        lambda bed: (reaction_with(envelope={"event": "reaction_added"}), JSON),
        lambda bed: (command_without("user_id", bed), FORM),
        lambda bed: (command_without("channel_id", bed), FORM),
    ],
)
async def test_signed_but_malformed_payloads_are_400(
    bed: SlackBed, caplog: pytest.LogCaptureFixture, malformed: Any
) -> None:
    caplog.set_level(logging.WARNING)
    body, content_type = malformed(bed)
    statuses = [await post_signed(bed, body, content_type) for _ in range(3)]
    await bed.adapter.drain()
    assert statuses == [400, 400, 400]
    assert_nothing_done(bed)
    assert len(assert_quiet(caplog)) == 1


async def test_a_replayed_paper_command_posts_once(bed: SlackBed) -> None:
    body = command_form("2403.09629", response_url=bed.slack.response_url())
    headers = {**signed_headers(body), "Content-Type": FORM}
    first = await post(bed, body.encode(), headers)
    replays = await asyncio.gather(*(post(bed, body.encode(), headers) for _ in range(3)))
    await bed.adapter.drain()
    assert (first, replays) == (200, [200, 200, 200])
    assert len(bed.slack.posted) == 1
    await bed.ask("2403.09629 --again")  # another invocation (its own response_url) still runs
    assert len(bed.slack.posted) == 2


async def test_a_command_redelivered_with_a_fresh_signature_runs_once(bed: SlackBed) -> None:
    body = command_form("2403.09629", response_url=bed.slack.response_url())
    for stamp in (int(time.time()) - 60, int(time.time())):
        headers = {**signed_headers(body, timestamp=stamp), "Content-Type": FORM}
        assert await post(bed, body.encode(), headers) == 200
    await bed.adapter.drain()
    assert len(bed.slack.posted) == 1


async def trickle(port: int, head: bytes) -> bytes:
    """Send `head`, then one byte every 50 ms until the server closes; what it answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)

    async def drip() -> None:
        for _ in range(1200):  # a minute's worth: far past any timeout under test
            await asyncio.sleep(0.05)
            writer.write(b"x")
            await writer.drain()

    dripping = asyncio.create_task(drip())
    try:
        return await reader.read()
    finally:
        dripping.cancel()
        await asyncio.gather(dripping, return_exceptions=True)
        writer.close()


async def test_slow_loris_clients_are_cut_off_and_others_still_served(
    redis_url: str,
    redis: aioredis.Redis,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with slack_bed(redis_url, slack, SHORT) as bed:
        port = int(bed.url.split(":")[2].split("/")[0])
        headers = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: "
        body = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{"
        slow = [trickle(port, headers) for _ in range(20)] + [
            trickle(port, body) for _ in range(20)
        ]
        answering = asyncio.gather(*slow)
        async with bed.http.get(bed.url.replace("/slack/events", "/healthz")) as resp:
            assert resp.status == 200  # served while the slow clients hold their sockets
        answers = await answering
    header_answers, body_answers = answers[:20], answers[20:]
    assert header_answers == [b""] * 20  # closed without a word
    assert all(a.startswith(b"HTTP/1.1 408") for a in body_answers), body_answers
    [warning] = assert_quiet(caplog)
    assert "408" in warning.getMessage()


async def test_the_body_limit_stays(bed: SlackBed) -> None:
    body = "x" * (LIMITS.max_body + 1)
    assert await post_signed(bed, body, FORM) == 413


class KillableRedis:
    """A redis-server of this test's own on a unix socket, to stop mid-test."""

    def __init__(self, directory: Path) -> None:
        self.socket = directory / "redis.sock"
        args = [find_redis_server(), "--port", "0", "--unixsocket", str(self.socket)]
        args += ["--dir", str(directory), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def ready(self) -> None:
        client = aioredis.Redis.from_url(self.url)
        try:
            for _ in range(500):  # readiness, not a timing assertion
                try:
                    if await client.ping():
                        return
                except (OSError, aioredis.ConnectionError):
                    await asyncio.sleep(0.02)
            raise AssertionError("the test's redis-server did not start")
        finally:
            await client.aclose()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


async def test_failing_reactions_log_one_traceback_not_one_each(
    tmp_path: Path, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    server = KillableRedis(tmp_path)
    try:
        await server.ready()
        async with slack_bed(server.url, slack) as bed:
            ts = await bed.posted_paper()
            caplog.set_level(logging.WARNING)
            server.stop()  # Redis is gone: every vote fails
            answers = [await bed.event(reaction_body(ts, user=f"U0V{i:06d}")) for i in range(BURST)]
            assert all(a.status >= 500 for a in answers)  # not acknowledged: Slack retries
            tracebacks = [r for r in caplog.records if r.exc_info or r.exc_text]
            assert len(tracebacks) <= 1, [r.getMessage() for r in tracebacks]
    finally:
        server.stop()
