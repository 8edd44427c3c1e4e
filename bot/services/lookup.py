"""Resolving `/paper` input to one paper (plus a few alternatives for keyword queries)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain import Paper
from bot.errors import PaperNotFound, UpstreamError
from bot.i18n import lazy
from bot.ports import PaperSource, TrendingSource
from bot.refs import ArxivRef, KeywordQuery, parse_reference
from bot.services.paper_cache import PaperCache

log = logging.getLogger(__name__)
ALTERNATIVES = 4


@dataclass(frozen=True)
class Found:
    paper: Paper
    alternatives: tuple[Paper, ...] = ()


class PaperLookup:
    def __init__(self, papers: PaperSource, trending: TrendingSource, cache: PaperCache) -> None:
        self._papers = papers
        self._trending = trending
        self._cache = cache

    async def find(self, text: str) -> Found:
        """The paper `text` names (id, URL or keywords); BadReference/PaperNotFound otherwise."""
        ref = parse_reference(text)
        if isinstance(ref, ArxivRef):
            return Found(await self.by_id(ref))
        return await self.by_keywords(ref)

    async def by_id(self, ref: ArxivRef) -> Paper:
        found = await self._papers.fetch([ref.versioned])
        paper = found.get(ref.versioned) or next(iter(found.values()), None)
        if paper is None:
            raise PaperNotFound(
                lazy(
                    "arXiv has no paper {id}. Check the id, or try a few title keywords.",
                    id=ref.versioned,
                )
            )
        return await self._with_hf(paper)

    async def by_keywords(self, query: KeywordQuery) -> Found:
        known = await self._cache.known_matches(query.text, limit=ALTERNATIVES + 1)
        try:
            searched = await self._papers.search(query.text, max_results=ALTERNATIVES + 1)
        except UpstreamError:
            if not known:
                raise
            searched = []
        merged = list({p.arxiv_id: p for p in [*searched, *known]}.values())
        if not merged:
            raise PaperNotFound(
                lazy(
                    "No arXiv paper matches “{query}”. Try other keywords, an arXiv id "
                    "(2403.09629) or a link.",
                    query=query.text[:80],
                )
            )
        best = await self._with_hf(merged[0])
        return Found(best, tuple(merged[1 : 1 + ALTERNATIVES]))

    async def _with_hf(self, paper: Paper) -> Paper:
        """Add HF upvotes/code/project links when Hugging Face knows the paper; best effort."""
        if paper.upvotes is not None:
            return paper
        try:
            hf = await self._trending.paper(paper.arxiv_id)
        except UpstreamError as exc:
            log.info("Hugging Face unavailable for %s: %s", paper.arxiv_id, exc)
            return paper
        if hf is None:
            return paper
        merged = paper.merged(hf)
        await self._cache.put_many([merged])
        return merged
