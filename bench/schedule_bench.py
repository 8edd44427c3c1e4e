"""Scheduled digests for 100 channels due at the same minute, posted by 1 and by 3 workers.

Usage: python -m bench.schedule_bench [--channels 100] [--papers 10] [--latency 1.0]
                                      [--workers 1,3] [--interval 1.0] [--jobs 20]

Real `python -m bot worker` processes, a real Redis, loopback fakes of Slack, arXiv, Hugging Face
and an OpenAI endpoint that answers each call after `latency` seconds. The 100 channels (spread
over en/ko/ja) are configured before the workers start, with the default schedule (Mondays 09:00
UTC) and each worker's clock (PAPERBOY_TEST_NOW) starting a few seconds before that minute.
The figure is the time from the scheduled minute to the last digest message posted, as the
workers measure it on their own clocks (the "N s after its scheduled time" of their logs); Slack
pacing (`--interval` seconds between two posts in one channel, as Slack asks) is on by default.
LLM calls are counted at the fake: the goal is one per paper-language plus one trend each.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis

from bench._common import machine, redis_url
from bench.digest_bench import week_papers
from bot import keys
from bot.domain import ChannelRef, Language
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI, schema_name
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.harness import channel_store, fake_env

TEAM = f"slack:{TEAM_ID}"  # the fake Slack's workspace (auth.test)
LANGS: tuple[Language, ...] = ("en", "ko", "ja")
RUN = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)  # a Monday: the default schedule's run
LEAD = 6.0  # seconds between a worker's start and the scheduled minute on its clock
DELAY = re.compile(r"posted: (\d+) message\(s\), ([\d.]+) s after its scheduled time")


def worker_env(
    url: str,
    slack: FakeSlack,
    arxiv: FakeArxiv,
    hf: FakeHuggingFace,
    llm: FakeOpenAI,
    args: argparse.Namespace,
    data: Path,
) -> dict[str, str]:
    return fake_env(
        url,
        arxiv,
        hf,
        llm,
        PAPERBOY_DATA_DIR=data,
        PAPERBOY_LLM_TIMEOUT=30,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.api_url,
        PAPERBOY_SLACK_POST_INTERVAL=args.interval,
        PAPERBOY_WORKER_JOBS=args.jobs,
        PAPERBOY_DIGEST_SIZE=args.papers,
        PAPERBOY_SCHEDULER_EVERY=1,
        PAPERBOY_HEALTH_PORT=0,
        PAPERBOY_LOG_LEVEL="INFO",
    )


async def seed(url: str, channels: int) -> None:
    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
        store = channel_store(redis)
        for i in range(channels):
            channel = ChannelRef(platform="slack", channel_id=f"C{i:05d}")
            await store.update(channel, TEAM, language=LANGS[i % len(LANGS)])
    finally:
        await redis.aclose()


async def all_done(url: str, channels: int) -> bool:
    redis = Redis.from_url(url)
    try:
        done = [f"{keys.digest(TEAM, f'slack:C{i:05d}', '2024-W12')}:done" for i in range(channels)]
        return int(await redis.exists(*done)) == channels
    finally:
        await redis.aclose()


def run_once(url: str, workers: int, args: argparse.Namespace) -> dict[str, float]:
    papers = week_papers(args.papers)
    with (
        FakeSlack() as slack,
        FakeArxiv(papers) as arxiv,
        FakeHuggingFace() as hf,
        FakeOpenAI(latency=args.latency) as llm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        hf.add(date(2024, 3, 12), *papers)
        asyncio.run(seed(url, args.channels))
        env = worker_env(url, slack, arxiv, hf, llm, args, Path(tmp))
        env["PAPERBOY_TEST_NOW"] = (RUN - timedelta(seconds=LEAD)).isoformat()
        logs = [Path(tmp) / f"worker{i}.log" for i in range(workers)]
        procs = []
        for log in logs:
            with log.open("wb") as sink:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "bot", "worker"],
                        env=env,
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                    )
                )
        try:
            deadline = time.monotonic() + 900
            while not asyncio.run(all_done(url, args.channels)):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise SystemExit("the workers did not finish:\n" + logs[0].read_text()[-3000:])
                time.sleep(0.5)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
        delays = [float(m.group(2)) for log in logs for m in DELAY.finditer(log.read_text())]
        bodies = llm.requests_json()
        return {
            "digests": len(delays),
            "last": max(delays),
            "median": sorted(delays)[len(delays) // 2],
            "messages": len(slack.posted),
            "summary_calls": sum(1 for b in bodies if schema_name(b) != "weekly_trend"),
            "trend_calls": sum(1 for b in bodies if schema_name(b) == "weekly_trend"),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--papers", type=int, default=10)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--workers", default="1,3")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"{args.channels} channels x {args.papers} papers, {len(LANGS)} languages; fake LLM "
        f"{args.latency:g} s/call; Slack pacing {args.interval:g} s/channel; "
        f"{args.jobs} jobs per worker"
    )
    with redis_url() as url:
        for workers in (int(w) for w in args.workers.split(",")):
            r = run_once(url, workers, args)
            print(
                f"{workers} worker(s): {r['digests']:.0f} digests, {r['messages']:.0f} messages; "
                f"scheduled minute -> last message {r['last']:.1f} s (median digest "
                f"{r['median']:.1f} s); LLM calls {r['summary_calls']:.0f} summaries "
                f"(goal {args.papers * len(LANGS)}) + {r['trend_calls']:.0f} trends"
            )


if __name__ == "__main__":
    main()
