"""LLM calls and wall time to build digests for 100 channels x 10 papers x 3 languages.

Usage: python -m bench.digest_bench [--channels 100] [--papers 10] [--latency 1.0]
The fake LLM (loopback, real OpenAI wire format) answers each call after `latency` seconds.
Channels are spread over en/ko/ja and all see the same Hugging Face week, so the goal is one
summary call per paper-language (30) however many channels ask, plus one trend call per language.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date

from bench._common import machine, redis_url
from bot.app import Paperboy
from bot.domain import ChannelRef, Language
from bot.services import aio
from bot.services.digest import DigestRequest
from bot.services.sample import load_sample
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.harness import fake_settings

LANGS: tuple[Language, ...] = ("en", "ko", "ja")


def week_papers(n: int) -> list:
    base = load_sample()
    papers = []
    for i in range(n):
        p = base[i % len(base)]
        papers.append(p.model_copy(update={"arxiv_id": f"2403.{10000 + i}", "upvotes": 100 - i}))
    return papers


async def run(channels: int, n_papers: int, latency: float, url: str) -> None:
    papers = week_papers(n_papers)
    with FakeArxiv(papers) as arxiv, FakeHuggingFace() as hf, FakeOpenAI(latency=latency) as llm:
        hf.add(date(2024, 3, 12), *papers)
        settings = fake_settings(url, arxiv, hf, llm, PAPERBOY_LLM_TIMEOUT=30)
        async with Paperboy.open(settings) as app:
            await app.redis.flushdb()
            requests = [
                DigestRequest(
                    week="2024-W11",
                    language=LANGS[i % 3],
                    limit=n_papers,
                    channel=ChannelRef(platform="slack", channel_id=f"C{i:04d}"),
                )
                for i in range(channels)
            ]
            start = time.perf_counter()
            digests = await asyncio.gather(*(app.digests.build(r) for r in requests))
            elapsed = time.perf_counter() - start
        calls = llm.chat_calls()
        bodies = llm.requests_json()
    trend_calls = sum(1 for b in bodies if "trend" in str(b.get("response_format", "")).lower())
    complete = sum(1 for d in digests if len(d.items) == n_papers)
    print(f"machine: {machine()}")
    print(
        f"{channels} channels x {n_papers} papers x {len(LANGS)} languages, fake LLM {latency:g} s/call"
    )
    print(f"digests complete: {complete}/{channels}; wall time {elapsed:.2f} s")
    print(
        f"LLM calls: {calls} in all = {calls - trend_calls} summary calls "
        f"(goal <= {n_papers * len(LANGS)}: one per paper-language) + {trend_calls} trend calls "
        f"(one per language)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--papers", type=int, default=10)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args()
    with redis_url() as url:
        aio.run(run(args.channels, args.papers, args.latency, url))


if __name__ == "__main__":
    main()
