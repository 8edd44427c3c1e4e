"""Ranking 10,000 candidates (goal <= 200 ms).

Usage: python -m bench.ranking_bench [--candidates 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from bench._common import machine, median
from bot.domain import Paper, Tally
from bot.services.ranking import Candidate, rank

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


def candidates(n: int, seed: int = 7) -> list[Candidate]:
    rng = random.Random(seed)
    now = datetime(2024, 3, 17, tzinfo=UTC)
    out = []
    for i in range(n):
        abstract = " ".join(rng.choices(WORDS, k=180))
        paper = Paper(
            arxiv_id=f"2403.{i:05d}",
            title=" ".join(rng.choices(WORDS, k=8)),
            abstract=abstract,
            categories=(rng.choice(["cs.CL", "cs.CV", "cs.LG"]),),
            upvotes=rng.randint(0, 300),
            published=now - timedelta(hours=rng.randint(0, 160)),
        )
        tally = Tally(up=rng.randint(0, 5), down=rng.randint(0, 2))
        out.append(Candidate(paper, tally, shared=rng.randint(0, 2)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    pool = candidates(args.candidates)
    topics = ["language model", "diffusion", "cs.CL", "retrieval"]
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        top = rank(pool, topics=topics, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    print(f"machine: {machine()}")
    print(
        f"rank({args.candidates} candidates, 4 topics, top 10): median {median(times):.1f} ms, "
        f"best {min(times):.1f} ms, worst {max(times):.1f} ms over {args.runs} runs"
    )
    print(f"top pick: {top[0].candidate.paper.arxiv_id} ({top[0].why})")


if __name__ == "__main__":
    main()
