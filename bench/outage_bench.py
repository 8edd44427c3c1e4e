"""Redis outages under the default `paperboy run slack --http` (in-process worker).

Each round: a fresh redis-server (unix socket, AOF everysec), a real `python -m bot run slack
--http` process against the loopback Slack, arXiv, Hugging Face and OpenAI fakes, a burst of
VOTES signed reaction events (32 concurrent senders, each event delivered again after a non-200
as Slack does, 0.5/1/2 s later), Redis SIGKILLed once a third of them is acknowledged and
started again after N s. Printed per outage length, over the rounds (min / median / max): votes
answered 200 and votes stored (every acknowledged one must be), seconds from Redis's return to
the first `/paper` answer posted, to the first vote answered 200 again, and to /healthz 200.

    python -m bench.outage_bench [--rounds 3] [--outage 5 --outage 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench._common import machine, median
from tests.adapters.slack.conftest import CHANNEL, SIGNING_SECRET
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.harness import fake_env, sample_papers
from tests.resilience.outage import (
    Burst,
    KillableRedis,
    SlackClient,
    free_port,
    map_paper,
    poll,
    voters,
)

ROOT = Path(__file__).resolve().parents[1]
VOTES = 3000
WAIT = 120.0


@dataclass
class Round:
    outage: float
    acked: int
    stored: int
    lost: int  # acknowledged but not stored: must be 0
    first_answer: float  # s from Redis's return to the /paper answer posted
    first_vote: float  # s from Redis's return to a vote answered 200
    healthy: float  # s from Redis's return to /healthz 200


@dataclass
class Fakes:
    slack: FakeSlack
    arxiv: FakeArxiv
    hf: FakeHuggingFace
    llm: FakeOpenAI


def start_run(tmp: Path, redis_url: str, port: int, fakes: Fakes) -> subprocess.Popen[bytes]:
    """`paperboy run slack --http` (with its worker) as an operator starts it, on the fakes."""
    env = fake_env(
        redis_url, fakes.arxiv, fakes.hf, fakes.llm,
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fakes.slack.api_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, PAPERBOY_SLACK_POST_INTERVAL=0,
        PAPERBOY_DATA_DIR=tmp / "data", PAPERBOY_LOG_LEVEL="WARNING",
    )  # fmt: skip
    args = [sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port)]
    with (tmp / "run.log").open("wb") as log:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


async def one_round(outage: float, tmp: Path) -> Round:
    papers = sample_papers()
    paper = papers[0].arxiv_id
    redis = KillableRedis(tmp / "redis")
    redis.start()
    with (
        FakeSlack() as slack,
        FakeArxiv(papers) as arxiv,
        FakeHuggingFace() as hf,
        FakeOpenAI() as llm,
    ):
        port = free_port()
        await map_paper(redis.url, paper)
        proc = start_run(tmp, redis.url, port, Fakes(slack, arxiv, hf, llm))
        try:
            async with aiohttp.ClientSession() as http:
                client = SlackClient(f"http://127.0.0.1:{port}", http)
                return await _outage(client, redis, slack, paper, outage)
        finally:
            proc.terminate()
            proc.wait(30)
            redis.kill()


async def _outage(
    client: SlackClient, redis: KillableRedis, slack: FakeSlack, paper: str, outage: float
) -> Round:
    async def healthy() -> bool:
        return (await client.status())[0] == 200

    if await poll(healthy, within=WAIT) is None:
        raise RuntimeError("paperboy run did not become healthy")
    burst = Burst()
    users = [f"U{n:08d}" for n in range(VOTES)]
    votes = asyncio.create_task(client.votes(users, burst))

    async def a_third() -> bool:
        return len(burst.acked) >= VOTES // 3

    await poll(a_third, within=WAIT)
    redis.kill()
    await asyncio.sleep(outage)
    acked_in_outage = len(burst.acked)
    redis.start()
    await client.command(paper, slack.response_url())

    async def answered() -> bool:
        return bool(slack.posts_in(CHANNEL))

    async def a_vote() -> bool:
        return len(burst.acked) > acked_in_outage or votes.done()

    # all three timed from Redis's return, concurrently
    first_vote, first_answer, health = await asyncio.gather(
        poll(a_vote, within=WAIT, every=0.01),
        poll(answered, within=WAIT, every=0.01),
        poll(healthy, within=WAIT, every=0.01),
    )
    await votes
    stored = await voters(redis.url, paper)
    return Round(
        outage=outage,
        acked=len(burst.acked),
        stored=len(stored),
        lost=len(burst.acked - stored),
        first_answer=_or_nan(first_answer),
        first_vote=_or_nan(first_vote),
        healthy=_or_nan(health),
    )


def _or_nan(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds


def spread(values: list[float], digits: int = 2) -> str:
    return " / ".join(f"{v:,.{digits}f}" for v in (min(values), median(values), max(values)))


def report(rounds: list[Round]) -> None:
    outage = rounds[0].outage
    print(
        f"\noutage of {outage:g} s, {len(rounds)} rounds, {VOTES} votes each (min / median / max)"
    )
    print(f"  votes acked 200        {spread([float(r.acked) for r in rounds], 0)}")
    print(f"  votes stored           {spread([float(r.stored) for r in rounds], 0)}")
    print(f"  acked but not stored   {sum(r.lost for r in rounds)}")
    print(
        f"  s to first /paper answer after Redis returns  {spread([r.first_answer for r in rounds])}"
    )
    print(
        f"  s to first vote acked after Redis returns     {spread([r.first_vote for r in rounds])}"
    )
    print(f"  s to /healthz 200 after Redis returns         {spread([r.healthy for r in rounds])}")


async def main(outages: list[float], rounds: int) -> None:
    print(f"{machine()}; load average before: {os.getloadavg()}")
    for outage in outages:
        results = []
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                results.append(await one_round(outage, Path(tmp)))
        report(results)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--outage", type=float, action="append")
    options = parser.parse_args()
    asyncio.run(main(options.outage or [5.0], options.rounds))
