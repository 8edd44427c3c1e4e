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
from datetime import UTC, datetime

from bot.domain import ChannelRef, Digest, DigestItem, Language, Paper, Summary
from bot.errors import PaperboyError
from bot.i18n import N_, t, tn
from bot.ports import PaperSource, Summarizer, TrendingSource
from bot.services.channels import ChannelStore, ChannelView
from bot.services.ranking import Candidate, Ranked, rank
from bot.services.votes import VoteStore
from bot.weeks import iso_week
from bot.window import Window, window_before, window_of_week

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
_EMPTY_REASONS = {
    "hf": N_("Hugging Face listed none"),
    "shared": N_("no one shared a paper here"),
    "arxiv": N_("the channel's arXiv categories matched nothing"),
}


@dataclass(frozen=True)
class DigestPlan:
    """Everything a digest is built from: whose votes, which days, in what language, of what.

    Made only by `plan_digest()`, so the preview in chat, `paperboy digest --preview`, `--post`
    and the scheduled job build the same digest for the same channel and moment.
    """

    channel: ChannelRef | None
    ledger: tuple[str, ...]  # the team keys whose votes rank it (bot.services.teams)
    window: Window
    week: str  # the ISO week the window is, else the posting week
    language: Language
    limit: int
    sources: tuple[str, ...]  # "hf", "arxiv", "shared"
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    team: str = ""

    def uses(self, source: str) -> bool:
        return source in self.sources


def plan_digest(
    view: ChannelView,
    ledger: tuple[str, ...],
    *,
    run: datetime | None = None,
    week: str | None = None,
    posting_week: str | None = None,
) -> DigestPlan:
    """The plan of `view`'s digest for a run at `run` (the window before it) or for ISO
    `week` (that week, Monday to Sunday in the channel's zone)."""
    if week is not None:
        window = window_of_week(week, view.zone)
    else:
        window = window_before(run or datetime.now(UTC), view.zone)
    return DigestPlan(
        channel=view.channel,
        ledger=ledger,
        window=window,
        week=window.iso_week or posting_week or iso_week(run),
        language=view.language,
        limit=view.digest_size,
        sources=view.sources,
        topics=view.topics,
        categories=view.categories,
        team=view.team,
    )


@dataclass
class _Gathered:
    papers: dict[str, Paper] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)
    shared: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, PaperboyError]] = field(default_factory=list)  # source, error

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

    async def build(self, req: DigestPlan, progress: Progress | None = None) -> Digest:
        """The digest `req` plans: ranked picks with summaries and a trend paragraph."""
        say = progress or (lambda _msg: None)
        lang = req.language  # progress lines are read by whoever asked for this digest
        say(t("gathering candidates for {days}", lang, days=req.window.label(lang)))
        gathered = await self._gather(req)
        if not gathered.papers:
            return self._empty(req, gathered.problems)
        say(tn("ranking {n} candidate", "ranking {n} candidates", len(gathered.papers), lang))
        picks = await self._rank(req, gathered)
        say(tn("summarising {n} paper", "summarising {n} papers", len(picks), lang))
        items = await self._summarise(picks, req.language, say)
        trend, used_llm = await self._summarizer.trend([i.paper for i in items], req.language)
        return Digest(
            channel=req.channel,
            week=req.week,
            first=req.window.first,
            last=req.window.last,
            language=req.language,
            trend=trend,
            trend_source="llm" if used_llm else "extractive",
            items=tuple(items),
        )

    async def _gather(self, req: DigestPlan) -> _Gathered:
        out = _Gathered()
        window = req.window
        if req.uses("hf"):
            await self._collect(out, "Hugging Face", "hf", lambda: self._trending_in(window))
        if req.categories and req.uses("arxiv"):
            await self._collect(
                out,
                "arXiv",
                "arxiv",
                lambda: self._papers.search_category(
                    req.categories, since=window.start, until=window.end, max_results=100
                ),
            )
        if req.channel is not None and req.uses("shared"):
            out.shared = await self._channels.shared(req.team, req.channel, window)
            if out.shared:
                await self._collect(out, "arXiv", "shared", lambda: self._shared_papers(out.shared))
        return out

    async def _trending_in(self, window: Window) -> list[Paper]:
        """Hugging Face's papers of the window's days: one call for an ISO week, else a day each."""
        if window.iso_week is not None:
            return await self._trending.week(window.iso_week)
        days = await asyncio.gather(*(self._trending.daily(day) for day in window.days()))
        return [paper for day in days for paper in day]

    async def _shared_papers(self, shared: dict[str, int]) -> list[Paper]:
        return list((await self._papers.fetch(list(shared))).values())

    async def _collect(
        self, out: _Gathered, name: str, source: str, call: Callable[[], Awaitable[list[Paper]]]
    ) -> None:
        try:
            out.add(await call(), source)
        except PaperboyError as exc:
            log.warning("digest source %s failed: %s", name, exc)
            out.problems.append((name, exc))

    async def _rank(self, req: DigestPlan, gathered: _Gathered) -> list[Ranked]:
        ids = list(gathered.papers)
        tallies = await self._votes.tallies(req.ledger, ids)
        candidates = [
            Candidate(
                paper=gathered.papers[i],
                tally=tallies[i],
                shared=gathered.shared.get(i, 0),
                sources=frozenset(gathered.sources.get(i, ())),
            )
            for i in ids
        ]
        return rank(
            candidates, topics=req.topics + req.categories, limit=req.limit, window=req.window
        )

    async def _summarise(
        self, picks: list[Ranked], language: Language, say: Progress
    ) -> list[DigestItem]:
        gate = asyncio.Semaphore(self._concurrency)

        async def one(pick: Ranked) -> Summary:
            async with gate:
                summary = await self._summarizer.summarize(pick.candidate.paper, language)
                say(t("summarised {paper}", language, paper=pick.candidate.paper.arxiv_id))
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
    def _empty(req: DigestPlan, problems: list[tuple[str, PaperboyError]]) -> Digest:
        lang = req.language
        if problems:
            failed = "; ".join(f"{name}: {exc.localized(lang)}" for name, exc in problems)
            reason = t("No digest this week: {problems}", lang, problems=failed)
        else:
            reasons = (t(_EMPTY_REASONS[s], lang) for s in req.sources if s in _EMPTY_REASONS)
            reason = t(
                "No papers for {days}: {reasons} (arXiv lists nothing on weekends and "
                "holidays). Share a link to add one.",
                lang,
                days=req.window.label(lang),
                reasons=", ".join(reasons),
            )
        return Digest(
            channel=req.channel,
            week=req.week,
            first=req.window.first,
            last=req.window.last,
            language=req.language,
            trend="",
            trend_source="extractive",
            empty_reason=reason,
        )
