"""Ranking 10,000 candidates, tallies fetched from Redis included, beside a minimal ranking.

Usage: python -m bench.ranking_bench [--candidates 10000] [--reps 5] [--sizes 100,1000,10000]

Ours is what a digest build does between gathering and summarising (`DigestService._rank`):
`VoteStore.tallies` for every candidate (one pipeline, one HMGET per team and 2,000 papers, from
a real Redis holding the team's tallies), the candidates, then `rank()` with four topics keeping
ten. The anchor is a minimal plain-Python ranking of the same pool with the same signals and
weights, its tallies already in memory: one loop computing each score (Wilson bound, log
upvotes, topic terms in the lower-cased text, shared count, recency), then `heapq.nlargest`.
Anchor and ours alternate, `--reps` runs each, with the garbage collector set as in the worker
that builds digests (`aio.server_gc()`). Goals: <= 1.2x the anchor and <= 200 ms.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import time
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from bench._common import redis_url
from bench._report import REPS, paired, spread, table
from bot import keys
from bot.domain import Paper, Tally
from bot.services import aio
from bot.services.aio import done
from bot.services.ranking import WEIGHTS, Candidate, rank, wilson_lower_bound
from bot.services.redis_client import connect
from bot.services.votes import VoteStore

TEAM = "slack:T0RANKING"
TOPICS = ("language model", "diffusion", "cs.CL", "retrieval")
NOW = datetime(2024, 3, 17, tzinfo=UTC)
WORDS = [
    "language",
    "model",
    "reasoning",
    "diffusion",
    "video",
    "agent",
    "retrieval",
    "benchmark",
    "vision",
    "robot",
    "alignment",
    "sparse",
    "mixture",
    "experts",
    "tokenizer",
    "speech",
    "graph",
    "protein",
    "survey",
]


def pool(n: int, seed: int = 7) -> tuple[list[Paper], dict[str, Tally], dict[str, int]]:
    """`n` papers (180-word abstracts), their team tallies and how often each was shared."""
    rng = random.Random(seed)
    papers, tallies, shared = [], {}, {}
    for i in range(n):
        paper = Paper(
            arxiv_id=f"2403.{i:05d}",
            title=" ".join(rng.choices(WORDS, k=8)),
            abstract=" ".join(rng.choices(WORDS, k=180)),
            categories=(rng.choice(["cs.CL", "cs.CV", "cs.LG"]),),
            upvotes=rng.randint(0, 300),
            published=NOW - timedelta(hours=rng.randint(0, 160)),
        )
        papers.append(paper)
        tallies[paper.arxiv_id] = Tally(up=rng.randint(0, 5), down=rng.randint(0, 2))
        shared[paper.arxiv_id] = rng.randint(0, 2)
    return papers, tallies, shared


async def store_tallies(redis: Redis, tallies: dict[str, Tally]) -> None:
    """The team's tally hash as the vote script leaves it (`bot.keys.tallies`)."""
    await redis.delete(keys.tallies(TEAM))
    fields = {
        f"{i}:{side}": n for i, t in tallies.items() for side, n in (("u", t.up), ("d", t.down))
    }
    await done(redis.hset(keys.tallies(TEAM), mapping=fields))


async def ours(votes: VoteStore, papers: list[Paper], shared: dict[str, int]) -> float:
    """ms for what `DigestService._rank` does: tallies from Redis, candidates, `rank()`."""
    start = time.perf_counter()
    ids = [p.arxiv_id for p in papers]
    tallies = await votes.tallies((TEAM,), ids)
    candidates = [
        Candidate(paper=p, tally=tallies[p.arxiv_id], shared=shared[p.arxiv_id]) for p in papers
    ]
    picks = rank(candidates, topics=TOPICS, limit=10, now=NOW)
    elapsed = (time.perf_counter() - start) * 1000
    assert len(picks) == 10
    return elapsed


def minimal(papers: list[Paper], tallies: dict[str, Tally], shared: dict[str, int]) -> list[str]:
    """The anchor: the same signals and weights in one plain loop, the top ten by score."""
    terms = [[t.lower() for t in topic.split()] for topic in TOPICS]
    top_up = math.log1p(max(p.upvotes or 0 for p in papers)) or 1.0  # all 0: the signal is 0
    top_shared = max(shared.values()) or 1
    scored = []
    for p in papers:
        t = tallies[p.arxiv_id]
        text = f"{p.title} {p.abstract}".lower()
        cats = {c.lower() for c in p.categories}
        hits = sum(1 for need in terms if set(need) <= cats or all(w in text for w in need))
        days = (NOW - p.published).total_seconds() / 86400 if p.published else 0.0
        score = (
            WEIGHTS["votes"] * wilson_lower_bound(t.up, t.down)
            + WEIGHTS["upvotes"] * math.log1p(p.upvotes or 0) / top_up
            + WEIGHTS["topics"] * hits / len(terms)
            + WEIGHTS["shared"] * shared[p.arxiv_id] / top_shared
            + WEIGHTS["recency"] * math.exp(-days / 7)
        )
        scored.append((score, p.arxiv_id))
    return [arxiv_id for _, arxiv_id in heapq.nlargest(10, scored)]


async def anchor(papers: list[Paper], tallies: dict[str, Tally], shared: dict[str, int]) -> float:
    start = time.perf_counter()
    minimal(papers, tallies, shared)
    return (time.perf_counter() - start) * 1000


async def main(args: argparse.Namespace) -> None:
    rows = []
    with redis_url() as url:
        redis = connect(url)
        votes = VoteStore(redis)
        for size in sorted({*args.sizes, args.candidates}):
            papers, tallies, shared = pool(size)
            await store_tallies(redis, tallies)
            await ours(votes, papers, shared)  # warm: the connection, the script-free path
            with aio.server_gc():  # as in `paperboy worker`, where digests are built
                runs = await paired(
                    lambda p=papers, s=shared: ours(votes, p, s),  # type: ignore[misc]
                    lambda p=papers, t=tallies, s=shared: anchor(p, t, s),  # type: ignore[misc]
                    args.reps,
                )
            label = f"{size:,} candidates"
            rows.append(
                [label, spread(runs.ours), spread(runs.anchor), spread(runs.ratio, "{:.2f}")]
            )
        await redis.aclose()
    table(
        "ranking",
        [
            "pool",
            "ours: tallies from Redis + rank() (ms)",
            "anchor: minimal plain-Python ranking (ms)",
            "ratio (goal <= 1.2 at 10k)",
        ],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument(
        "--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[100, 1000, 10_000]
    )
    args = parser.parse_args()
    aio.run(main(args))
