"""Hugging Face papers as a `TrendingSource`: the daily and weekly community picks, with upvotes.

`GET {api}/daily_papers?date=YYYY-MM-DD` and `?week=YYYY-Www` answer a list of items, each
nesting the paper under `paper` (id, title, authors[{name}], summary, publishedAt, upvotes,
githubRepo, projectPage, ai_keywords...). `GET {api}/papers/{id}` answers one paper object,
404 when Hugging Face does not know the paper.

The answer is community data, so it is read defensively: missing and null fields are fine, an
item that does not make a paper is skipped with a warning, links that are not http(s) are
dropped (they end up as buttons in chat), and an answer that is not a list at all is an
`UpstreamError`. Titles, abstracts, names and keywords have their LaTeX rendered here, once
(`clean_tex`). A paper's `upvotes` (always in a real answer) is how the rest of Paperboy knows
that Hugging Face lists it (`Paper.links()`). Papers are written to the cache (when one is
given) so their upvotes and code links merge into the arXiv records.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import httpx
from pydantic import ValidationError

from bot.domain import Paper
from bot.errors import BadReference, UpstreamError
from bot.i18n import N_, lazy
from bot.refs import parse_id
from bot.services.http import get_with_retry
from bot.services.paper_cache import PaperCache
from bot.text import clean_tex
from bot.weeks import parse_week

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # the most items the API gives per request (default 50)
MAX_KEYWORDS = 20
_LINK = re.compile(r"https?://[^\s<>\"']{1,500}")
WHAT = "Hugging Face"
UNREADABLE = N_("{source} sent an answer Paperboy cannot read; try again later")


def parse_paper(data: Mapping[str, Any], fallback: Mapping[str, Any] | None = None) -> Paper | None:
    """A Paper from one HF paper object (`fallback`: the daily item around it); None if unusable."""
    outer = fallback or {}
    ref = _ref(data.get("id"))
    title = clean_tex(_text(data.get("title")) or _text(outer.get("title")))
    if ref is None or not title:
        return None
    try:
        return Paper(
            arxiv_id=ref,
            title=title,
            authors=_authors(data.get("authors")),
            abstract=clean_tex(_text(data.get("summary")) or _text(outer.get("summary"))),
            published=_datetime(data.get("publishedAt")),
            upvotes=_count(data.get("upvotes")),
            github_repo=_link(data.get("githubRepo")),
            project_page=_link(data.get("projectPage")),
            ai_keywords=_keywords(data.get("ai_keywords")),
        )
    except ValidationError:
        return None


def parse_daily(data: object) -> list[Paper]:
    """Papers of a `daily_papers` answer, one per id (highest upvotes kept), malformed skipped."""
    if not isinstance(data, list):
        raise UpstreamError(lazy(UNREADABLE, source=WHAT))
    papers = []
    for item in data:
        inner = item.get("paper") if isinstance(item, dict) else None
        paper = parse_paper(inner, item) if isinstance(inner, dict) else None
        if paper is None:
            log.warning("skipping a Hugging Face daily item that is not a paper")
            continue
        papers.append(paper)
    return dedupe(papers)


def dedupe(papers: Iterable[Paper]) -> list[Paper]:
    """One paper per id, the one with the most upvotes, in first-seen order."""
    best: dict[str, Paper] = {}
    for paper in papers:
        seen = best.get(paper.arxiv_id)
        if seen is None or (paper.upvotes or 0) > (seen.upvotes or 0):
            best[paper.arxiv_id] = paper
    return list(best.values())


class HuggingFaceClient:
    """`TrendingSource` over the Hugging Face papers API (no auth)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_url: str,
        retries: int = 4,
        backoff: float = 0.5,
        cache: PaperCache | None,
    ) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.cache = cache

    async def daily(self, day: date) -> list[Paper]:
        """The papers featured on `day`."""
        return await self._list({"date": day.isoformat(), "limit": PAGE_LIMIT})

    async def week(self, iso_week: str) -> list[Paper]:
        """The papers featured in ISO week `iso_week` (`2024-W11`), one per id."""
        return await self._list({"week": parse_week(iso_week), "limit": PAGE_LIMIT})

    async def paper(self, arxiv_id: str) -> Paper | None:
        """What Hugging Face knows of one paper; None when it has no page for it."""
        ref = _ref(arxiv_id)
        if ref is None:
            return None
        response = await self._get(f"papers/{ref}", None)
        if response.status_code == 404:
            return None
        data = _json(response)
        paper = parse_paper(data) if isinstance(data, dict) else None
        if paper is None:
            raise UpstreamError(lazy(UNREADABLE, source=WHAT))
        await self._remember([paper])
        return paper

    async def _list(self, params: Mapping[str, str | int]) -> list[Paper]:
        papers = parse_daily(_json(await self._get("daily_papers", params)))
        await self._remember(papers)
        return papers

    async def _get(self, path: str, params: Mapping[str, str | int] | None) -> httpx.Response:
        return await get_with_retry(
            self.http,
            f"{self.api_url}/{path}",
            params=params,
            retries=self.retries,
            what=WHAT,
            backoff=self.backoff,
        )

    async def _remember(self, papers: list[Paper]) -> None:
        if self.cache is not None and papers:
            await self.cache.put_many(papers)


def _json(response: httpx.Response) -> object:
    if response.status_code != 200:
        raise UpstreamError(
            lazy(
                "{source} refused the request (HTTP {status}); try again later",
                source=WHAT,
                status=str(response.status_code),
            )
        )
    try:
        return response.json()
    except ValueError:
        raise UpstreamError(lazy(UNREADABLE, source=WHAT)) from None


def _ref(value: object) -> str | None:
    """The bare new-style arXiv id in `value`; HF pages exist only for those."""
    if not isinstance(value, str):
        return None
    try:
        ref = parse_id(value)
    except BadReference:
        return None
    return ref.arxiv_id if ref is not None and ref.new_style else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _authors(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = (clean_tex(_text(a.get("name"))) for a in value if isinstance(a, dict))
    return tuple(name for name in names if name)


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return max(0, int(value))


def _link(value: object) -> str | None:
    if isinstance(value, str) and _LINK.fullmatch(value.strip()):
        return value.strip()
    return None


def _keywords(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    words = (clean_tex(k) for k in value if isinstance(k, str))
    return tuple(dict.fromkeys(w for w in words if w))[:MAX_KEYWORDS]
