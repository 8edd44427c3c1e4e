"""3. Redis restarted (AOF on) between votes: no acknowledged vote is lost.

A real `paperboy run slack --http` process takes signed Slack reaction events over HTTP; an
event is acknowledged when it answers 200 (it records the vote before answering, so a failure
answers 500 and Slack — here the test — delivers it again). Redis is this test's own
redis-server with `appendonly yes` and `appendfsync everysec`, SIGKILLed and restarted from its
AOF twice between votes and once more after the last one; the tallies are then read back.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.domain import ChannelRef, MessageRef, Tally
from bot.services.votes import VoteStore
from tests.conftest import FIXTURES
from tests.harness import channel_store
from tests.resilience.conftest import Deployment
from tests.resilience.outage import KillableRedis, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C2147483705"
TS = "1710460800.000200"
PAPER = "2403.09629"
TEAM = "slack:T0001"  # the workspace of the signed events (their `team_id`)
VOTES = 30


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[KillableRedis]:
    server = KillableRedis(tmp_path / "aof")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def reaction(user: str) -> str:
    """tests/fixtures/slack_event_reaction_added.json from `user`, with its own event_id."""
    body: dict[str, Any] = json.loads((FIXTURES / "slack_event_reaction_added.json").read_text())
    body["event"].update(user=user, item={"type": "message", "channel": CHANNEL, "ts": TS})
    body["event_id"] = f"Ev{user}"
    return json.dumps(body)


def signed(body: str, retry: int) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
    return headers


async def deliver(session: aiohttp.ClientSession, url: str, body: str) -> bool:
    """Deliver one event as Slack does: retried (up to 3 times) until answered 200."""
    for attempt in range(4):
        try:
            async with session.post(url, data=body, headers=signed(body, attempt)) as answer:
                if answer.status == 200:
                    return True
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2 * (attempt + 1))
    return False


async def map_paper_message(url: str) -> None:
    redis = Redis.from_url(url)
    try:
        message = MessageRef(
            channel=ChannelRef(platform="slack", channel_id=CHANNEL), message_id=TS
        )
        await channel_store(redis).map_message(TEAM, message, PAPER)
    finally:
        await redis.aclose()


async def tally(url: str) -> Tally:
    redis = Redis.from_url(url)
    try:
        return await VoteStore(redis).tally((TEAM,), PAPER)
    finally:
        await redis.aclose()


async def test_no_acknowledged_vote_is_lost_across_redis_restarts(
    deployment: Deployment, aof_redis: KillableRedis
) -> None:
    await map_paper_message(aof_redis.url)
    port = free_port()
    deployment.start(
        "run",
        "slack",
        "--http",
        "--port",
        str(port),
        "--no-worker",
        REDIS_URL=aof_redis.url,
        SLACK_SIGNING_SECRET=SECRET,
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:

        async def healthy() -> bool:
            try:
                async with session.get(f"{base}/healthz") as answer:
                    return answer.status == 200
            except aiohttp.ClientError:
                return False

        for _ in range(200):
            if await healthy():
                break
            await asyncio.sleep(0.1)
        # /healthz of `run`, served on the Slack port in place of the adapter's own
        health = await (await session.get(f"{base}/healthz")).json()
        acked = 0
        for n in range(VOTES):
            if n in (10, 20):  # Redis dies and comes back between two votes
                aof_redis.kill()
                aof_redis.start()
            acked += await deliver(session, f"{base}/slack/events", reaction(f"U{n:08d}"))
        metrics = await (await session.get(f"{base}/metrics")).text()

    aof_redis.kill()  # once more right after the last acknowledgement
    aof_redis.start()
    assert acked == VOTES, deployment.output()
    assert await tally(aof_redis.url) == Tally(up=VOTES)
    assert f'paperboy_votes_total{{change="added",platform="slack"}} {VOTES}.0' in metrics
    assert health == {"ok": True, "redis": "ok", "slack": "running (HTTP)"}
