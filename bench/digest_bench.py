"""Digests: 100 channels at once (shared papers, then different papers), and build time by pool.

Usage: python -m bench.digest_bench [--channels 100] [--papers 10] [--latency 1.0] [--reps 5]

The real core (`Paperboy.open`) against loopback Hugging Face, arXiv and OpenAI fakes (the LLM
answers each call after `--latency` s), digests planned by `services.plan` and built by
`digests.build`, as the worker does.

1. 100 channels over en/ko/ja all follow the same Hugging Face week of 10 papers: the goal is one
   summary call per paper-language (30), however many channels ask.
2. The less flattering case: 100 channels (en), each following its own topic, so each digest
   picks 10 papers no other channel picks: 1,000 summary calls, nothing shared.
3. Build time of one channel's digest with 100 / 1,000 / 10,000 candidates in the week (its
   summaries cached by a first build, so the figure is gathering, tallies and ranking); the
   anchor, interleaved: the minimal plain-Python ranking of bench/ranking_bench.py over the
   same pool.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, date, datetime

from bench._common import redis_url
from bench._report import REPS, paired, spread, table
from bench.ranking_bench import minimal
from bot.app import Paperboy
from bot.domain import ChannelRef, Language, Paper, Tally
from bot.services import aio
from bot.services.digest import DigestService
from bot.services.sample import SAMPLE_WEEK, SampleSource, load_sample
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.harness import fake_settings

LANGS: tuple[Language, ...] = ("en", "ko", "ja")
WEEK, DAY = "2024-W11", date(2024, 3, 12)
TEAM = "slack:T0DIGEST"


def week_papers(n: int) -> list[Paper]:
    """`n` papers of the sample week's texts under new ids, upvotes decreasing."""
    base = load_sample()
    return [
        base[i % len(base)].model_copy(
            update={"arxiv_id": f"2403.{10000 + i}", "upvotes": max(0, 100 - i)}
        )
        for i in range(n)
    ]


def topical_papers(channels: int, per_channel: int) -> list[Paper]:
    """Papers on `channels` distinct topics (`topic{c}`), `per_channel` each, none upvoted."""
    base = load_sample()
    return [
        base[i % len(base)].model_copy(
            update={
                "arxiv_id": f"2403.{20000 + i}",
                "title": f"Paper {i} on topic{i // per_channel}",
                "abstract": f"{base[i % len(base)].abstract} (Study {i}.)",  # summaries differ
                "upvotes": 0,
                "published": datetime(2024, 3, 12, tzinfo=UTC),
            }
        )
        for i in range(channels * per_channel)
    ]


def channel(i: int) -> ChannelRef:
    return ChannelRef(platform="slack", channel_id=f"C{i:04d}")


async def build_all(app: Paperboy, channels: int, **per_channel: object) -> float:
    """Build every channel's digest at once; seconds."""
    plans = [await app.services.plan(channel(i), TEAM, week=WEEK) for i in range(channels)]
    start = time.perf_counter()
    digests = await asyncio.gather(*(app.digests.build(p) for p in plans))
    assert all(d.items for d in digests)
    return time.perf_counter() - start


async def shared_week(url: str, args: argparse.Namespace) -> list[str]:
    papers = week_papers(args.papers)
    with (
        FakeArxiv(papers) as arxiv,
        FakeHuggingFace() as hf,
        FakeOpenAI(latency=args.latency) as llm,
    ):
        hf.add(DAY, *papers)
        settings = fake_settings(url, arxiv, hf, llm, PAPERBOY_LLM_TIMEOUT=30)
        async with Paperboy.open(settings) as app:
            await app.redis.flushdb()
            for i in range(args.channels):
                await app.channels.update(
                    channel(i), TEAM, language=LANGS[i % 3], digest_size=args.papers
                )
            seconds = await build_all(app, args.channels)
        calls = llm.chat_calls()
    return [
        f"{args.channels} channels × {args.papers} papers × 3 languages, same week",
        f"{seconds:.2f} s",
        f"{calls} (goal ≤ {args.papers * 3} summaries + 3 trends)",
    ]


async def different_papers(url: str, args: argparse.Namespace) -> list[str]:
    papers = topical_papers(args.channels, args.papers)
    with (
        FakeArxiv(papers[:1]) as arxiv,
        FakeHuggingFace() as hf,
        FakeOpenAI(latency=args.latency) as llm,
    ):
        settings = fake_settings(url, arxiv, hf, llm, PAPERBOY_LLM_TIMEOUT=60)
        async with Paperboy.open(settings) as app:
            await app.redis.flushdb()
            digests = whole_pool(app, papers)  # every channel sees all 1,000 (HF lists 100)
            for i in range(args.channels):
                await app.channels.update(
                    channel(i), TEAM, language="en", digest_size=args.papers, topics=[f"topic{i}"]
                )
            plans = [
                await app.services.plan(channel(i), TEAM, week=SAMPLE_WEEK)
                for i in range(args.channels)
            ]
            start = time.perf_counter()
            built = await asyncio.gather(*(digests.build(p) for p in plans))
            seconds = time.perf_counter() - start
        calls = llm.chat_calls()
    distinct = len({item.paper.arxiv_id for d in built for item in d.items})
    return [
        f"{args.channels} channels × {args.papers} papers, each its own topic (en): {distinct:,} distinct picks",
        f"{seconds:.2f} s",
        f"{calls:,} ({distinct:,} summaries + one trend per digest: nothing to share)",
    ]


def whole_pool(app: Paperboy, papers: list[Paper]) -> DigestService:
    """The app's digest service over a source serving every paper of the pool at once."""
    source = SampleSource(papers)
    return DigestService(
        papers=source,
        trending=source,
        summarizer=app.summarizer,
        votes=app.votes,
        channels=app.channels,
    )


async def build_times(url: str, reps: int) -> list[list[str]]:
    return [await build_time(url, size, reps) for size in (100, 1_000, 10_000)]


async def build_time(url: str, size: int, reps: int) -> list[str]:
    papers = week_papers(size)
    ids = [p.arxiv_id for p in papers]
    with FakeArxiv(papers[:1]) as arxiv, FakeHuggingFace() as hf, FakeOpenAI() as llm:
        async with Paperboy.open(fake_settings(url, arxiv, hf, llm)) as app:
            await app.redis.flushdb()
            # Hugging Face lists at most 100 papers a call and arXiv 100 per category search, so
            # a pool this large only comes from a source that serves it whole: the sample source.
            digests = whole_pool(app, papers)
            plan = await app.services.plan(channel(0), TEAM, week=SAMPLE_WEEK)
            await digests.build(plan)  # summaries and the trend cached in Redis

            async def ours() -> float:
                start = time.perf_counter()
                built = await digests.build(plan)
                assert len(built.items) == plan.limit
                return (time.perf_counter() - start) * 1000

            async def anchor() -> float:
                start = time.perf_counter()
                minimal(papers, dict.fromkeys(ids, Tally()), dict.fromkeys(ids, 0))
                return (time.perf_counter() - start) * 1000

            with aio.server_gc():  # as in `paperboy worker`, where digests are built
                runs = await paired(ours, anchor, reps)
    return [
        f"{size:,} candidates",
        spread(runs.ours),
        spread(runs.anchor),
        spread(runs.ratio, "{:.2f}"),
    ]


async def main(args: argparse.Namespace) -> None:
    with redis_url() as url:
        many = [await shared_week(url, args), await different_papers(url, args)]
        growth = await build_times(url, args.reps)
    table(
        "digest-channels",
        [f"digests (fake LLM {args.latency:g} s per call)", "wall time", "LLM calls"],
        many,
    )
    table(
        "digest-build",
        [
            "one digest, summaries cached",
            "build (ms)",
            "anchor: minimal ranking of the pool (ms)",
            "ratio",
        ],
        growth,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--papers", type=int, default=10)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=REPS)
    aio.run(main(parser.parse_args()))
