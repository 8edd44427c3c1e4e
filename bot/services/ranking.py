"""Ranking a channel's candidates for the week: team votes, HF upvotes, topics, recency.

Pure and fast: each signal is normalised to 0..1 and blended with fixed weights; every pick
carries a short human "why" naming what lifted it. Matching topics in the text is most of the
cost, so it is done only for candidates that can still make the picks (see `rank`).
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from bot.domain import Paper, Tally, Why
from bot.window import Window

WEIGHTS = {"votes": 0.40, "upvotes": 0.25, "topics": 0.20, "shared": 0.10, "recency": 0.05}
_TOKEN = re.compile(r"[\w\-]+", re.UNICODE)
_Z = 1.96  # 95 % confidence for the Wilson bound


class Candidate(NamedTuple):
    """A paper up for a digest with what ranks it (a tuple: a digest builds thousands)."""

    paper: Paper
    tally: Tally = Tally()
    shared: int = 0
    sources: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Scale:
    """What each signal is normalised against in one ranking run."""

    max_upvotes: int
    max_shared: int
    now: datetime


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    why: Why


def wilson_lower_bound(up: int, down: int) -> float:
    """Lower bound of the 95 % Wilson interval: 1 up of 1 ranks below 9 up of 10."""
    n = up + down
    if n == 0:
        return 0.0
    phat = up / n
    z2 = _Z * _Z
    centre = phat + z2 / (2 * n)
    margin = _Z * math.sqrt((phat * (1 - phat) + z2 / (4 * n)) / n)
    return (centre - margin) / (1 + z2 / n)


def _topic_terms(topics: Iterable[str]) -> list[frozenset[str]]:
    return [
        frozenset(t.lower() for t in _TOKEN.findall(topic)) for topic in topics if topic.strip()
    ]


def _matched_topics(paper: Paper, topics: Sequence[str], terms: list[frozenset[str]]) -> list[str]:
    """Topics whose every term occurs in the paper's text, keywords or categories.

    Substring tests on the lower-cased text (C speed) rather than tokenising each abstract:
    "llm" matches "LLMs", which is what a reader means.
    """
    text = f"{paper.title} {paper.abstract} {' '.join(paper.ai_keywords)}".lower()
    cats = {c.lower() for c in paper.categories}
    return [
        topic
        for topic, need in zip(topics, terms, strict=True)
        if need and (need <= cats or all(term in text for term in need))
    ]


def _recency(paper: Paper, now: datetime) -> float:
    if paper.published is None:
        return 0.0
    days = max(0.0, (now - paper.published).total_seconds() / 86400)
    return math.exp(-days / 7)


def rank(
    candidates: Sequence[Candidate],
    *,
    topics: Sequence[str] = (),
    limit: int = 10,
    now: datetime | None = None,
    window: Window | None = None,
) -> list[Ranked]:
    """The best `limit` candidates, best first; ties broken by upvotes, then id for stability.

    A paper the team's votes put below zero is never picked. Recency is measured from the end
    of `window` (a digest of a past week ranks that week's papers, not today's), and only the
    picks get their "why".

    Every signal but topics is cheap, and topics add at most their weight: candidates are
    visited best cheap score first, their topics matched, until no later one can reach the
    picks even with every topic. The picks are exactly those of scoring every candidate.
    """
    if limit < 1:
        return []
    now = window.end if window is not None else (now or datetime.now(UTC))
    terms = _topic_terms(topics)
    topics = [t for t in topics if t.strip()]
    eligible = [c for c in candidates if c.tally.net >= 0]
    max_upvotes = max((c.paper.upvotes or 0 for c in eligible), default=0)
    max_shared = max((c.shared for c in eligible), default=0)
    scale = _Scale(max_upvotes, max_shared, now)
    by_base = sorted(_bases(eligible, scale), key=_first, reverse=True)
    scored = _with_topics(by_base, topics, terms, limit)
    best = heapq.nsmallest(
        limit,
        scored,
        key=lambda r: (-r[0], -(r[2].paper.upvotes or 0), r[2].paper.arxiv_id),
    )
    return [Ranked(c, score, _why(c, matched, window)) for score, matched, c in best]


def _first(row: tuple[float, Candidate]) -> float:
    return row[0]


def _with_topics(
    by_base: list[tuple[float, Candidate]],
    topics: Sequence[str],
    terms: list[frozenset[str]],
    limit: int,
) -> list[tuple[float, list[str], Candidate]]:
    """Full scores of the candidates (best cheap score first) that can still be picked: the
    walk stops once a candidate's cheap score plus every topic's weight falls below the
    `limit`-th best full score so far (by more than the rounding to 6 places could move it)."""
    reach = WEIGHTS["topics"] if terms else 0.0
    kept: list[float] = []  # the `limit` best full scores so far (a min-heap)
    out = []
    for base, c in by_base:
        if len(kept) == limit and base + reach < kept[0] - 1e-6:
            break
        matched = _matched_topics(c.paper, topics, terms) if terms else []
        score = round(base + (WEIGHTS["topics"] * len(matched) / len(terms) if terms else 0.0), 6)
        out.append((score, matched, c))
        heapq.heappush(kept, score)
        if len(kept) > limit:
            heapq.heappop(kept)
    return out


def _bases(eligible: list[Candidate], scale: _Scale) -> list[tuple[float, Candidate]]:
    """Each candidate's score from every signal but topics (each normalised to 0..1), in one
    loop with the weights and scales bound once: it runs for every candidate."""
    per_upvote = WEIGHTS["upvotes"] / math.log1p(scale.max_upvotes) if scale.max_upvotes else 0.0
    per_share = WEIGHTS["shared"] / scale.max_shared if scale.max_shared else 0.0
    votes, recency, now, log1p = WEIGHTS["votes"], WEIGHTS["recency"], scale.now, math.log1p
    return [
        (
            votes * _wilson(c.tally.up, c.tally.down)
            + per_upvote * log1p(c.paper.upvotes or 0)
            + per_share * c.shared
            + recency * _recency(c.paper, now),
            c,
        )
        for c in eligible
    ]


_wilson = functools.cache(wilson_lower_bound)  # tallies are small integers: a few hundred pairs


def _why(c: Candidate, matched: list[str], window: Window | None) -> Why:
    """The facts that lifted the pick; `bot.render.explain` words them per language."""
    why = Why(
        up=c.tally.up,
        down=c.tally.down,
        upvotes=c.paper.upvotes or 0,
        topics=tuple(matched[:3]),
        shared=c.shared,
    )
    if why == Why() and _announced_in(c.paper, window):
        return why.model_copy(update={"new": True})
    return why


def _announced_in(paper: Paper, window: Window | None) -> bool:
    """Whether the paper was first announced inside the window (always, without a window)."""
    if window is None:
        return True
    return paper.published is not None and window.contains(paper.published)
