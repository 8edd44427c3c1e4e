"""What the benchmarks share: a real Redis (REDIS_URL or a throwaway embedded one), timing."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.domain import Paper
from bot.services.redis_server import EmbeddedRedis


@contextmanager
def redis_url() -> Iterator[str]:
    """REDIS_URL when set (it is flushed!), else a fresh embedded server in a temp dir."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), appendonly=False) as url:
        yield url


def synthetic_papers(count: int) -> list[Paper]:
    """`count` small, distinct papers for load benchmarks (the LLM fake summarises anything)."""
    return [
        Paper(
            arxiv_id=f"2403.{10000 + i:05d}",
            version=1,
            title=f"Paper {i} on reasoning",
            abstract=f"Paper {i} studies reasoning. It finds that thinking helps.",
            published=datetime(2024, 3, 14, tzinfo=UTC),
        )
        for i in range(count)
    ]


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)
