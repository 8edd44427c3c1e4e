"""Redis memory per 10,000 cached summaries (Korean, 4 key points, 5 tags: a typical size).

Usage: python -m bench.summary_memory_bench [--summaries 10000]
Writes summaries under the summariser's real cache keys and reads Redis' used_memory before and
after (a fresh database; the embedded server unless REDIS_URL is set, which is flushed).
"""

from __future__ import annotations

import argparse

from redis.asyncio import Redis

from bench._common import machine, redis_url
from bot.domain import Paper, Summary
from bot.services import aio
from bot.services.summarizer import LLMSummarizer

TLDR = (
    "언어 모델이 각 토큰마다 근거(rationale)를 생성하도록 학습시켜, 별도의 파인튜닝 없이도 "
    "GSM8K와 CommonsenseQA에서 제로샷 성능을 높입니다."
)
POINTS = (
    "토큰 단위 병렬 샘플링(tokenwise parallel sampling)으로 생각 생성 비용을 줄임",
    "생각의 시작과 끝을 나타내는 학습 가능한 토큰 도입",
    "GSM8K 5.9%→10.9%, CommonsenseQA 36.3%→47.2% (zero-shot)",
    "어려운 토큰의 perplexity 개선",
)


async def run(n: int, url: str) -> None:
    client = Redis.from_url(url)
    await client.flushdb()
    summarizer = LLMSummarizer(None, client, model="gpt-4o-mini")
    before = int((await client.info("memory"))["used_memory"])
    for start in range(0, n, 1000):
        async with client.pipeline(transaction=False) as pipe:
            for i in range(start, min(n, start + 1000)):
                arxiv_id = f"24{i // 10000 % 12 + 1:02d}.{i % 100000:05d}"
                paper = Paper(arxiv_id=arxiv_id, version=1, title="t")
                summary = Summary(
                    arxiv_id=arxiv_id,
                    version=1,
                    language="ko",
                    tldr=TLDR,
                    key_points=POINTS,
                    title_translated="Quiet-STaR: 언어 모델은 말하기 전에 생각하도록 스스로 배울 수 있다",
                    tags=("#reasoning", "#self_taught", "#rationale", "#zero_shot", "#llm"),
                    model="gpt-4o-mini",
                )
                pipe.set(summarizer.summary_key(paper, "ko"), summary.model_dump_json())
            await pipe.execute()
    after = int((await client.info("memory"))["used_memory"])
    sample = await client.get(
        summarizer.summary_key(Paper(arxiv_id="2401.00000", version=1, title="t"), "ko")
    )
    await client.aclose()
    print(f"machine: {machine()}")
    print(
        f"{n} cached summaries: {(after - before) / 1024 / 1024:.2f} MiB of Redis memory "
        f"({(after - before) / n:.0f} bytes each; JSON value {len(sample or b'')} bytes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--summaries", type=int, default=10_000)
    args = parser.parse_args()
    with redis_url() as url:
        aio.run(run(args.summaries, url))


if __name__ == "__main__":
    main()
