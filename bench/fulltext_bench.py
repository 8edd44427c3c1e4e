"""Ask the paper: full-text fetch + parse + index of a 30-page paper, answer latency, prompt tokens.

    python3 -m bench.fulltext_bench [--reps 5]

A synthetic LaTeXML page of about 30 pages (15k words: sections, subsections, tables, math) is
served by the loopback arxiv.org fake; the LLM is the loopback OpenAI fake answering at once, so
the answer figures are Paperboy's own work (retrieval, prompt, grounding, Redis), not a model's.
The anchor, measured interleaved in the same run, is selectolax parsing the same page and walking
every node: what any parse of the page costs before Paperboy does anything with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import httpx
import openai
import redis.asyncio as aioredis
from selectolax.lexbor import LexborHTMLParser

from bench._common import machine, median, percentile, redis_url
from bot import keys
from bot.domain import Paper
from bot.services.ask import PaperQA, prompt_tokens
from bot.services.fulltext import FullTextFetcher
from bot.services.passages import PassageIndex, split_passages
from tests.fakes.arxiv_web import FakeArxivWeb, Section, Table, WebPaper, latexml_page
from tests.fakes.openai import FakeOpenAI
from tests.integration.test_ask import reader

TOPICS = (
    "reasoning",
    "retrieval",
    "scaling",
    "tokenizer",
    "decoding",
    "alignment",
    "memory",
    "vision",
)
QUESTIONS = [
    f"What does the paper find about {t} on benchmark B{n}?" for t in TOPICS for n in range(3)
]


def paragraph(topic: str, s: int, p: int) -> str:
    words = " ".join(
        f"{topic} model variant {s}{p}{k} improves benchmark B{k % 3}" for k in range(12)
    )
    return f"We study {topic} in setting {s}.{p} with $\\alpha_{p}$ and find gains of {s}.{p}%. {words}."


def thirty_pages() -> WebPaper:
    sections = []
    for s, topic in enumerate(TOPICS, 1):
        subs = tuple(
            Section(
                f"{s}.{u}",
                f"{topic.title()} study {u}",
                tuple(paragraph(topic, s, p) for p in range(6)),
                tables=(
                    Table(
                        f"Table {s}{u}",
                        f"{topic} results",
                        (("Model", "B0", "B1"), ("Ours", f"{s}.{u}", "7.5")),
                    ),
                ),
            )
            for u in range(1, 4)
        )
        sections.append(Section(str(s), topic.title(), (paragraph(topic, s, 0),), subsections=subs))
    return WebPaper(
        title="A Thirty Page Study", abstract="We study eight topics.", sections=tuple(sections)
    )


def spread(values: list[float]) -> str:
    return f"min {min(values):.1f} / median {median(values):.1f} / max {max(values):.1f}"


async def run(reps: int) -> None:
    page = latexml_page(thirty_pages())
    paper = Paper(arxiv_id="2401.09999", version=1, title="A Thirty Page Study")
    with redis_url() as url, FakeArxivWeb() as web, FakeOpenAI() as llm:
        web.html["2401.09999v1"] = page
        llm.respond = reader
        redis = aioredis.Redis.from_url(url)
        await redis.flushdb()
        async with (
            httpx.AsyncClient() as http,
            openai.AsyncOpenAI(
                api_key="sk-bench", base_url=f"{llm.base_url}/v1", max_retries=0
            ) as client,
        ):
            fetcher = FullTextFetcher(http, redis, web_url=web.base_url, min_interval=0, retries=0)
            full_ms, anchor_ms = [], []
            for _ in range(reps):  # interleaved: Paperboy's path, then the anchor, each rep
                await redis.delete(keys.fulltext("2401.09999", 1))
                start = time.perf_counter()
                text = await fetcher.get("2401.09999", 1)
                PassageIndex(split_passages(text))
                full_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                sum(1 for _ in LexborHTMLParser(page).root.traverse())  # type: ignore[union-attr, misc]
                anchor_ms.append((time.perf_counter() - start) * 1000)
            qa = PaperQA(client, redis, fetcher, model="bench", context_tokens=3000)
            answer_ms: list[float] = []
            tokens: list[int] = []
            for rep in range(reps):
                for question in QUESTIONS:
                    start = time.perf_counter()
                    await qa.ask(paper, f"{question} (run {rep})")
                    answer_ms.append((time.perf_counter() - start) * 1000)
                    tokens.append(prompt_tokens(llm.requests_json()[-1]["messages"]))
        await redis.aclose()
    words = len(" ".join(b.text for b in text.blocks).split())
    print(f"machine: {machine()}; load average {os.getloadavg()}")
    print(f"paper: {len(page) / 1e6:.2f} MB of HTML, {words} words, {len(text.blocks)} blocks")
    print(f"fetch + parse + index (ms, {reps} reps): {spread(full_ms)}")
    print(f"anchor: selectolax parse + walk of the same page (ms): {spread(anchor_ms)}")
    print(
        f"answer on a cached paper, fake LLM ({len(answer_ms)} answers, ms): median {median(answer_ms):.1f}, p95 {percentile(answer_ms, 95):.1f}, {spread(answer_ms)}"
    )
    print(
        f"prompt tokens per answer (tiktoken cl100k): median {median([float(t) for t in tokens]):.0f}, p95 {percentile([float(t) for t in tokens], 95):.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    asyncio.run(run(parser.parse_args().reps))


if __name__ == "__main__":
    main()
