"""Building a channel's weekly digest: gather candidates, rank, summarise, write the trend.

Sources fail independently: with arXiv down the digest is built from Hugging Face alone and
the other way round; only when every source fails or finds nothing does the digest say why it
is empty, instead of staying silent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.domain import ChannelRef, Digest, DigestItem, Language, Paper, Summary
from bot.errors import PaperboyError
from bot.ports import PaperSource, Summarizer, TrendingSource
from bot.services.channels import ChannelStore
from bot.services.ranking import Candidate, Ranked, rank
from bot.services.votes import VoteStore
from bot.weeks import week_bounds

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class DigestRequest:
    week: str
    language: Language
    limit: int = 10
    channel: ChannelRef | None = None
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # "hf", "arxiv", "shared"; empty = all

    def uses(self, source: str) -> bool:
        return not self.sources or source in self.sources


@dataclass
class _Gathered:
    papers: dict[str, Paper] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)
    shared: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, papers: list[Paper], source: str) -> None:
        for paper in papers:
            known = self.papers.get(paper.arxiv_id)
            self.papers[paper.arxiv_id] = known.merged(paper) if known else paper
            self.sources.setdefault(paper.arxiv_id, set()).add(source)


class DigestService:
    def __init__(
        self,
        *,
        papers: PaperSource,
        trending: TrendingSource,
        summarizer: Summarizer,
        votes: VoteStore,
        channels: ChannelStore,
        concurrency: int = 8,
    ) -> None:
        self._papers = papers
        self._trending = trending
        self._summarizer = summarizer
        self._votes = votes
        self._channels = channels
        self._concurrency = concurrency

    async def build(self, req: DigestRequest, progress: Progress | None = None) -> Digest:
        """The digest for `req`: ranked picks with summaries and a trend paragraph."""
        say = progress or (lambda _msg: None)
        say(f"gathering candidates for {req.week}")
        gathered = await self._gather(req)
        if not gathered.papers:
            return self._empty(req, gathered.problems)
        say(f"ranking {len(gathered.papers)} candidates")
        picks = await self._rank(req, gathered)
        say(f"summarising {len(picks)} papers in {req.language}")
        items = await self._summarise(picks, req.language, say)
        trend, used_llm = await self._summarizer.trend([i.paper for i in items], req.language)
        return Digest(
            channel=req.channel,
            week=req.week,
            language=req.language,
            trend=trend,
            trend_source="llm" if used_llm else "extractive",
            items=tuple(items),
        )

    async def _gather(self, req: DigestRequest) -> _Gathered:
        out = _Gathered()
        start, _end = week_bounds(req.week)
        if req.uses("hf"):
            await self._collect(out, "Hugging Face", "hf", lambda: self._trending.week(req.week))
        if req.categories and req.uses("arxiv"):
            await self._collect(
                out,
                "arXiv",
                "arxiv",
                lambda: self._papers.search_category(req.categories, since=start, max_results=100),
            )
        if req.channel is not None and req.uses("shared"):
            out.shared = await self._channels.shared(req.channel, req.week)
            if out.shared:
                await self._collect(out, "arXiv", "shared", lambda: self._shared_papers(out.shared))
        return out

    async def _shared_papers(self, shared: dict[str, int]) -> list[Paper]:
        return list((await self._papers.fetch(list(shared))).values())

    async def _collect(
        self, out: _Gathered, name: str, source: str, call: Callable[[], Awaitable[list[Paper]]]
    ) -> None:
        try:
            out.add(await call(), source)
        except PaperboyError as exc:
            log.warning("digest source %s failed: %s", name, exc)
            out.problems.append(f"{name}: {exc}")

    async def _rank(self, req: DigestRequest, gathered: _Gathered) -> list[Ranked]:
        ids = list(gathered.papers)
        tallies = await self._votes.tallies(ids)
        candidates = [
            Candidate(
                paper=gathered.papers[i],
                tally=tallies[i],
                shared=gathered.shared.get(i, 0),
                sources=frozenset(gathered.sources.get(i, ())),
            )
            for i in ids
        ]
        return rank(candidates, topics=req.topics + req.categories, limit=req.limit)

    async def _summarise(
        self, picks: list[Ranked], language: Language, say: Progress
    ) -> list[DigestItem]:
        gate = asyncio.Semaphore(self._concurrency)

        async def one(pick: Ranked) -> Summary:
            async with gate:
                summary = await self._summarizer.summarize(pick.candidate.paper, language)
                say(f"summarised {pick.candidate.paper.arxiv_id}")
                return summary

        summaries = await asyncio.gather(*(one(p) for p in picks))
        return [
            DigestItem(
                paper=p.candidate.paper,
                summary=s,
                score=p.score,
                why=p.why,
                tally=p.candidate.tally,
            )
            for p, s in zip(picks, summaries, strict=True)
        ]

    @staticmethod
    def _empty(req: DigestRequest, problems: list[str]) -> Digest:
        if problems:
            reason = "No digest this week: " + "; ".join(problems)
        else:
            reason = (
                f"No papers for {req.week}: Hugging Face listed none, no one shared a paper "
                "here, and the channel's arXiv categories matched nothing (arXiv lists "
                "nothing on weekends and holidays). Share a link to add one."
            )
        return Digest(
            channel=req.channel,
            week=req.week,
            language=req.language,
            trend="",
            trend_source="extractive",
            empty_reason=reason,
        )
