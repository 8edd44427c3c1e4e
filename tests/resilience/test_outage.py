"""1. Redis killed for OUTAGE seconds under `paperboy run` (with its in-process worker) and under
`paperboy worker`: the processes stay up, /healthz says 503 naming Redis meanwhile and 200 after,
every vote answered 200 is stored, users are told the database is unreachable, and everything
resumes by itself (a /paper is answered, a due digest is posted) once Redis is back.

Real processes (`python -m bot ...`), a real redis-server SIGKILLed and started again on the
same socket and AOF, the loopback Slack, arXiv, Hugging Face and OpenAI fakes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.i18n import REDIS_DOWN, t
from tests.adapters.slack.conftest import CHANNEL, SIGNING_SECRET
from tests.resilience.conftest import Deployment
from tests.resilience.outage import (
    Burst,
    KillableRedis,
    SlackClient,
    channel,
    configure,
    free_port,
    map_paper,
    poll,
    voters,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
OUTAGE = 5.0
VOTES = 3000
WAIT = 60.0


@pytest.fixture
def killable_redis(tmp_path: Path) -> Iterator[KillableRedis]:
    server = KillableRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def said(messages: list[dict[str, Any]], text: str) -> bool:
    return any(text in json.dumps(m, ensure_ascii=False) for m in messages)


async def health_is(client: SlackClient, status: int) -> bool:
    return (await client.status())[0] == status


async def test_run_survives_an_outage_mid_burst_and_resumes(
    deployment: Deployment, killable_redis: KillableRedis
) -> None:
    redis, slack = killable_redis, deployment.slack
    paper = deployment.papers[0].arxiv_id
    await map_paper(redis.url, paper)
    port = free_port()
    proc = deployment.start(
        "run", "slack", "--http", "--port", str(port),
        REDIS_URL=redis.url, SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )  # fmt: skip
    down = t(REDIS_DOWN, "en")
    async with aiohttp.ClientSession() as http:
        client = SlackClient(f"http://127.0.0.1:{port}", http)
        assert await poll(lambda: health_is(client, 200), within=WAIT) is not None, (
            deployment.output()
        )
        burst = Burst()
        votes = asyncio.create_task(client.votes([f"U{n:08d}" for n in range(VOTES)], burst))
        assert await poll(lambda: _at_least(burst, VOTES // 3), within=WAIT) is not None

        redis.kill()
        killed = time.monotonic()
        degraded = await poll(lambda: health_is(client, 503), within=OUTAGE)
        _, during = await client.status()
        assert await client.command(paper, slack.response_url()) == 200
        told = await poll(
            lambda: _true(said(slack.ephemeral + slack.responses, down)), within=OUTAGE
        )
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - killed)))
        alive_in_outage = proc.poll() is None

        redis.start()
        assert await client.command(paper, slack.response_url()) == 200
        answered = await poll(lambda: _true(bool(slack.posts_in(CHANNEL))), within=WAIT)
        await votes
        healthy = await poll(lambda: health_is(client, 200), within=WAIT)
        _, after = await client.status()

    stored = await voters(redis.url, paper)
    assert alive_in_outage, deployment.output()
    assert proc.poll() is None, deployment.output()
    assert degraded is not None
    assert during["redis"] == "unreachable", during
    assert "redis" in during["degraded"], during
    assert told is not None, deployment.output()[-4000:]
    assert answered is not None, deployment.output()[-4000:]
    assert burst.refused > 0  # the outage did reach the votes
    assert burst.acked <= stored, sorted(burst.acked - stored)[:10]
    assert len(stored) <= VOTES
    assert healthy is not None
    assert after["ok"] is True, after


async def test_worker_survives_an_outage_and_posts_a_due_digest_after_it(
    deployment: Deployment, killable_redis: KillableRedis
) -> None:
    redis = killable_redis
    port = free_port()
    proc = deployment.start("worker", REDIS_URL=redis.url, PAPERBOY_HEALTH_PORT=port)
    async with aiohttp.ClientSession() as http:
        client = SlackClient(f"http://127.0.0.1:{port}", http)
        assert await poll(lambda: health_is(client, 200), within=WAIT) is not None, (
            deployment.output()
        )

        redis.kill()
        killed = time.monotonic()
        degraded = await poll(lambda: _names(client, {"redis", "worker"}), within=OUTAGE)
        _, during = await client.status()
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - killed)))
        alive_in_outage = proc.poll() is None
        redis.start()

        await configure(redis.url, channel(), language="en")  # a digest is due from now on
        posted = await poll(
            lambda: _true(len(deployment.slack.posts_in(CHANNEL)) >= 4), within=WAIT
        )
        healthy = await poll(lambda: health_is(client, 200), within=WAIT)

    assert alive_in_outage, deployment.output()
    assert proc.poll() is None, deployment.output()
    assert degraded is not None
    assert during["redis"] == "unreachable", during
    assert {"redis", "worker"} <= set(during["degraded"]), during
    assert posted is not None, deployment.output()[-4000:]
    assert "weekly digest" in json.dumps(deployment.slack.posts_in(CHANNEL)[0], ensure_ascii=False)
    assert healthy is not None


async def _names(client: SlackClient, parts: set[str]) -> bool:
    """/healthz answers 503 naming at least `parts` as degraded."""
    status, body = await client.status()
    return status == 503 and parts <= set(body.get("degraded", ()))


async def _true(value: bool) -> bool:
    return value


async def _at_least(burst: Burst, n: int) -> bool:
    return len(burst.acked) >= n
