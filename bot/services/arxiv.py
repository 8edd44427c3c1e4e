"""The arXiv API as a `PaperSource`: look-ups by id, keyword and category searches.

Every request waits for the deployment-wide slot (`keys.ARXIV_PACING`, one request every
`min_interval` seconds across all processes, retries included) and is retried on 429/5xx with
backoff honouring `Retry-After`. Answers are Atom, read with feedparser only. Papers fetched
once are served from the Redis day cache and added to the known-paper index. LaTeX in titles,
abstracts and names is rendered once, here, when a Paper is made (`clean_tex`); records read back
from the cache pass through it again, which is harmless (it is idempotent) and tidies records
that older versions wrote.

arXiv reports a bad request (malformed id, bad parameter) as HTTP 400 with a one-entry feed
whose entry id is `http://arxiv.org/api/errors#...` and title `Error`; that becomes a
`BadReference` quoting arXiv's reason. An unknown but well-formed id is simply absent from the
feed (`opensearch:totalResults` 0), so it is absent from `fetch()`'s answer.
"""

from __future__ import annotations

import logging
import re
from calendar import timegm
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx
from pydantic import ValidationError
from redis.asyncio import Redis

from bot import keys
from bot.domain import Paper
from bot.errors import BadReference, UpstreamError
from bot.i18n import N_, Text, lazy
from bot.refs import HINT, ArxivRef, parse_id
from bot.services.http import get_with_retry
from bot.services.paper_cache import PaperCache
from bot.services.ratelimit import SharedInterval
from bot.text import clean, clean_paper, clean_tex, normalize_ws, sanitize

log = logging.getLogger(__name__)

BATCH = 100
MAX_RESULTS = 2000
MAX_TERMS = 12
RATE_KEY = keys.ARXIV_PACING
_ERROR_ID = re.compile(r"^https?://(?:export\.)?arxiv\.org/api/errors")
_ENTRY_ID = re.compile(r"arxiv\.org/abs/(?P<id>\S+?)(?:v(?P<version>\d+))?$")
_FIELD_SYNTAX = re.compile(r"(?<!\w)(?:ti|au|abs|co|jr|cat|rn|all):(?=\S)|submittedDate:\[")
_BOOLEAN = frozenset({"and", "or", "not", "andnot"})
_WORD = re.compile(r"\w+(?:[-'.+]\w+)*")
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?")

Params = Mapping[str, str | int]


def build_search_query(text: str) -> str:
    """arXiv `search_query` for user text: field syntax passes through, keywords are ANDed.

    Keywords lose arXiv's boolean words and every character outside words, and are quoted when
    they hold punctuation, so user text can neither change the query's logic nor break it.
    """
    folded = normalize_ws(text)
    if _FIELD_SYNTAX.search(folded):
        return folded
    words = [w for w in _WORD.findall(folded) if w.lower() not in _BOOLEAN][:MAX_TERMS]
    if not words:
        raise BadReference(lazy("Give a few words to search arXiv for."))
    return " AND ".join(f"all:{w}" if w.isalnum() and w.isascii() else f'all:"{w}"' for w in words)


def category_query(categories: Sequence[str], since: datetime, until: datetime) -> str:
    """`(cat:a OR cat:b) AND submittedDate:[since TO until]`; BadReference for a bad category."""
    for category in categories:
        if not _CATEGORY.fullmatch(category):
            raise BadReference(
                lazy(
                    "{category} is not an arXiv category (like cs.CL).",
                    category=sanitize(category[:40]),
                )
            )
    cats = " OR ".join(f"cat:{category}" for category in categories)
    return f"({cats}) AND submittedDate:[{since:%Y%m%d%H%M} TO {until:%Y%m%d%H%M}]"


def parse_feed(content: bytes, status: int = 200) -> list[Paper]:
    """Papers in an arXiv Atom answer; BadReference for an error entry, UpstreamError for junk."""
    feed = feedparser.parse(content)
    for entry in feed.entries:
        if _ERROR_ID.match(entry.get("id", "")):
            raise BadReference(_error_text(entry))
    if status >= 400:
        raise UpstreamError(
            lazy("arXiv refused the request (HTTP {status}); try again later", status=str(status))
        )
    if not feed.get("version"):
        raise UpstreamError(
            lazy("arXiv sent an answer that is not an Atom feed; try again in a few minutes")
        )
    papers = [_paper(entry) for entry in feed.entries]
    return [paper for paper in papers if paper is not None]


def _error_text(entry: Mapping[str, Any]) -> Text:
    """arXiv's own reason (English, as arXiv wrote it) inside our sentence."""
    reason = clean(str(entry.get("summary") or "")).rstrip(".")
    if not reason:
        return lazy("arXiv could not read that request and did not say why.")
    if "id" in reason.lower():
        text = N_("arXiv could not read that request: {reason}. {hint}.")
        return lazy(text, reason=reason, hint=HINT)
    return lazy("arXiv could not read that request: {reason}.", reason=reason)


def _paper(entry: Mapping[str, Any]) -> Paper | None:
    match = _ENTRY_ID.search(str(entry.get("id", "")))
    title = clean_tex(entry.get("title"))
    if match is None or not title:
        log.warning("skipping an arXiv entry without a paper id or title: %r", entry.get("id"))
        return None
    try:
        return Paper(
            arxiv_id=match["id"],
            version=int(match["version"]) if match["version"] else None,
            title=title,
            authors=tuple(
                clean_tex(a.get("name")) for a in entry.get("authors", []) if a.get("name")
            ),
            abstract=clean_tex(entry.get("summary")),
            categories=tuple(tag["term"] for tag in entry.get("tags", []) if tag.get("term")),
            primary_category=(entry.get("arxiv_primary_category") or {}).get("term"),
            published=_when(entry, "published"),
            updated=_when(entry, "updated"),
            comment=clean_tex(entry.get("arxiv_comment")) or None,
            journal_ref=clean_tex(entry.get("arxiv_journal_ref")) or None,
        )
    except ValidationError:
        log.warning("skipping an arXiv entry that does not make a paper: %s", match["id"])
        return None


def _when(entry: Mapping[str, Any], name: str) -> datetime | None:
    parsed = entry.get(f"{name}_parsed")  # feedparser normalises to UTC
    return datetime.fromtimestamp(timegm(parsed), UTC) if parsed else None


def _wire_id(asked: str) -> str:
    """The canonical spelling arXiv answers with (`math.GT/0309136v1` -> `math/0309136v1`)."""
    ref = _canonical(asked)
    return ref.versioned if ref else asked


def _canonical(asked: str) -> ArxivRef | None:
    try:
        return parse_id(asked)
    except BadReference:
        return None  # let arXiv judge it: its error entry names the problem


class ArxivClient:
    """`PaperSource` over the arXiv API, shared-rate-limited through Redis, cached for a day."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        redis: Redis,
        *,
        api_url: str,
        min_interval: float = 3.0,
        retries: int = 4,
        backoff: float = 0.5,
        cache: PaperCache,
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.retries = retries
        self.backoff = backoff
        self.cache = cache
        self.interval = SharedInterval(redis, RATE_KEY, min_interval)

    async def fetch(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """Papers keyed by the id as asked; cache first, then `id_list` batches of <= 100."""
        asked = list(dict.fromkeys(i.strip() for i in arxiv_ids if i.strip()))
        if any("," in i or any(c.isspace() for c in i) for i in asked):
            text = N_("Give arXiv ids one by one, without commas or spaces. {hint}.")
            raise BadReference(lazy(text, hint=HINT))
        wire = {i: _wire_id(i) for i in asked}
        cached = await self.cache.get_many(list(wire.values()))
        found = {i: clean_paper(cached[w]) for i, w in wire.items() if w in cached}
        missing = [i for i in asked if i not in found]
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            papers = await self._query(
                {"id_list": ",".join(wire[i] for i in batch), "max_results": len(batch)}
            )
            await self.cache.put_many(papers)
            found.update(_assign(batch, papers))
        return found

    async def search(self, query: str, *, max_results: int = 5) -> list[Paper]:
        """Best matches by arXiv relevance for keywords or arXiv field syntax."""
        params: Params = {
            "search_query": build_search_query(query),
            "start": 0,
            "max_results": max(1, min(max_results, MAX_RESULTS)),
            "sortBy": "relevance",
            "sortOrder": "descending",
        }
        papers = await self._query(params)
        await self.cache.put_many(papers)
        return papers

    async def search_category(
        self,
        categories: Sequence[str],
        *,
        since: datetime,
        until: datetime | None = None,
        max_results: int = 50,
    ) -> list[Paper]:
        """Newest papers in `categories` submitted from `since` to `until` (default now; naive
        means UTC), newest first."""
        cats = [c.strip() for c in categories if c.strip()]
        if not cats:
            return []
        start = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        end = (until or datetime.now(UTC)).astimezone(UTC)
        params: Params = {
            "search_query": category_query(cats, start, end),
            "start": 0,
            "max_results": max(1, min(max_results, MAX_RESULTS)),
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        }
        answer = await self._query(params)
        papers = [p for p in answer if p.published is None or start <= p.published < end]
        await self.cache.put_many(papers)
        return papers

    async def _query(self, params: Params) -> list[Paper]:
        response = await get_with_retry(
            self.http,
            self.api_url,
            params=params,
            retries=self.retries,
            what="arXiv",
            backoff=self.backoff,
            pace=self.interval.wait,
        )
        return parse_feed(response.content, response.status_code)


def _assign(batch: Sequence[str], papers: Sequence[Paper]) -> dict[str, Paper]:
    """Each asked id's paper: a bare id takes any version, a versioned id only that version."""
    by_id = {paper.arxiv_id: paper for paper in papers}
    by_versioned = {paper.versioned_id: paper for paper in papers}
    out: dict[str, Paper] = {}
    for asked in batch:
        ref = _canonical(asked)
        if ref is None:
            paper = by_versioned.get(asked) or by_id.get(asked)
        else:
            paper = by_versioned.get(ref.versioned) if ref.version else by_id.get(ref.arxiv_id)
        if paper is not None:
            out[asked] = paper
    return out
