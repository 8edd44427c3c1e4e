"""Real processes against real parts: `python -m bot worker` subprocesses, the test Redis and the
loopback fakes (Slack, arXiv, Hugging Face, OpenAI), with messages counted at the fake Slack.

`Deployment` is one such setup: `env()` is exactly what an operator would put in `.env`,
pointed at the fakes; `start()` starts a worker process (killed at teardown, whatever happens);
`seed()` configures channels the way `/paper schedule` does (ChannelStore in Redis).
The scheduler's clock is PAPERBOY_TEST_NOW: "now" is moved per process, not faked globally.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import redis as sync_redis
from redis.asyncio import Redis

from bot import keys
from bot.domain import ChannelRef, Paper
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.harness import channel_store, fake_env, sample_papers

ROOT = Path(__file__).resolve().parents[2]
# Monday 2024-03-18 (ISO week 2024-W12): the default schedule's run is 09:00 UTC, and the digest
# covers the week before (2024-W11), whose papers Hugging Face lists on Tuesday 2024-03-12.
MONDAY_0900 = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)
DELIVERY_WEEK = "2024-W12"
COVERED_DAY = date(2024, 3, 12)
WAIT = 60.0


@dataclass
class Deployment:
    redis_url: str
    tmp: Path
    slack: FakeSlack
    arxiv: FakeArxiv
    hf: FakeHuggingFace
    llm: FakeOpenAI
    papers: list[Paper]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def env(self, **overrides: Any) -> dict[str, str]:
        """The environment of a Paperboy process pointed at the fakes and the test Redis."""
        values: dict[str, Any] = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": self.slack.api_url,
            "PAPERBOY_SLACK_POST_INTERVAL": 0,
            "PAPERBOY_SCHEDULER_EVERY": 1,
            "PAPERBOY_HEALTH_PORT": 0,
            "PAPERBOY_DIGEST_SIZE": 3,
            "PAPERBOY_DATA_DIR": self.tmp / "data",
            "PAPERBOY_LOG_LEVEL": "INFO",
            "PAPERBOY_TEST_NOW": MONDAY_0900.isoformat(),
        }
        return fake_env(self.redis_url, self.arxiv, self.hf, self.llm, **values | overrides)

    def start(self, *args: str, **overrides: Any) -> subprocess.Popen[bytes]:
        """`python -m bot <args>` (default: `worker`), its log in the test's tmp dir."""
        log = self.tmp / f"proc{len(self.procs)}.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen(  # the test's own interpreter and code
                [sys.executable, "-m", "bot", *(args or ("worker",))],
                cwd=ROOT,
                env=self.env(**overrides),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        self.logs.append(log)
        return proc

    def kill_all(self) -> None:
        for proc in self.procs:
            stop(proc)

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in self.logs)

    async def seed(self, channels: list[ChannelRef], **config: Any) -> None:
        """Configure channels as an admin would (`/paper schedule ...`)."""
        redis = Redis.from_url(self.redis_url)
        try:
            store = channel_store(redis)
            for channel in channels:
                await store.update(channel, **config)
        finally:
            await redis.aclose()

    def redis(self) -> sync_redis.Redis:
        return sync_redis.Redis.from_url(self.redis_url)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a process with `sig`, then SIGKILL if it lingers; always reaped."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def until(
    condition: Callable[[], bool], deployment: Deployment, *, within: float = WAIT, what: str = ""
) -> None:
    """Wait for `condition`; fail with the processes' logs if it never holds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            (deployment.tmp / "all.log").write_text(deployment.output())
            pytest.fail(f"timed out waiting for {what or condition}\n{deployment.output()[-6000:]}")
        await asyncio.sleep(0.05)


def slack_channels(n: int) -> list[ChannelRef]:
    return [ChannelRef(platform="slack", channel_id=f"C{i:05d}") for i in range(n)]


@pytest.fixture
def deployment(redis_url: str, tmp_path: Path) -> Iterator[Deployment]:
    papers = sample_papers()
    with (
        FakeSlack() as slack,
        FakeArxiv(papers) as arxiv,
        FakeHuggingFace() as hf,
        FakeOpenAI() as llm,
    ):
        hf.add(COVERED_DAY, *papers[:5])
        found = Deployment(redis_url, tmp_path, slack, arxiv, hf, llm, papers)
        try:
            yield found
        finally:
            found.kill_all()


def delivery(channel: ChannelRef) -> str:
    """The exactly-once key prefix of `channel`'s digest of DELIVERY_WEEK, in the team the
    deployment's Slack workspace (the fake's `auth.test`) puts the channel in."""
    return keys.digest(f"slack:{TEAM_ID}", channel.key, DELIVERY_WEEK)
