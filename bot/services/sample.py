"""The bundled sample week (`--sample`): real papers served offline through the source ports.

Built from the papers of DAIR.AI's "Top ML Papers of the Week" for 2024-03-11..17 (see the
file's `source` field), so `paperboy digest --preview --sample` works with no network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from importlib import resources

from bot.domain import Paper
from bot.text import clean_paper

SAMPLE_WEEK = "2024-W11"


def load_sample() -> list[Paper]:
    raw = resources.files("bot").joinpath("data/sample_week.json").read_text("utf-8")
    return [clean_paper(Paper.model_validate(item)) for item in json.loads(raw)["papers"]]


class SampleSource:
    """A PaperSource and TrendingSource over a fixed list of papers; never touches the network."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self._papers = {p.arxiv_id: p for p in papers}

    async def fetch(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        bare = {i: i.split("v")[0] if "." in i else i for i in arxiv_ids}
        return {i: self._papers[b] for i, b in bare.items() if b in self._papers}

    async def search(self, query: str, *, max_results: int = 5) -> list[Paper]:
        words = {w.lower() for w in query.split()}
        scored = [(sum(w in p.title.lower() for w in words), p) for p in self._papers.values()]
        return [p for s, p in sorted(scored, key=lambda x: -x[0]) if s][:max_results]

    async def search_category(
        self,
        categories: Sequence[str],
        *,
        since: datetime,
        until: datetime | None = None,
        max_results: int = 50,
    ) -> list[Paper]:
        return [p for p in self._papers.values() if set(categories) & set(p.categories)]

    async def daily(self, day: date) -> list[Paper]:
        return list(self._papers.values())

    async def week(self, iso_week: str) -> list[Paper]:
        return list(self._papers.values()) if iso_week == SAMPLE_WEEK else []

    async def paper(self, arxiv_id: str) -> Paper | None:
        return self._papers.get(arxiv_id)
