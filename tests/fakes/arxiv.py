"""A loopback arXiv API: `GET /api/query` answering Atom in the real API's shape.

The shape follows tests/fixtures/arxiv_id_list_2403.09629.atom (namespaces declared on the
elements, opensearch counts, titles and abstracts hard-wrapped, alternate and pdf links,
`arxiv:primary_category`, `arxiv:comment` / `arxiv:journal_ref` when set). A malformed id in
`id_list` gets HTTP 400 with the API's error entry (tests/fixtures/arxiv_error_incorrect_id.atom);
an unknown well-formed id is left out of the feed. `search_query` is matched simply: every
`all:/ti:/abs:/au:` term must occur, one of the `cat:` terms must hold, `submittedDate:[a TO b]`
filters. Use `api_url = f"{fake.base_url}/api/query"`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from bot.domain import Paper
from tests.fakes.server import LoopbackServer

ATOM_TYPE = "application/atom+xml; charset=utf-8"
OPENSEARCH = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
ARXIV_NS = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'
SCHEME = 'scheme="http://arxiv.org/schemas/atom"'
_VALID_ID = re.compile(r"\d{4}\.\d{4,5}(?:v\d+)?|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?")
_TERM = re.compile(r'(ti|au|abs|co|jr|cat|rn|all|submittedDate):("[^"]*"|\[[^\]]*\]|[^\s()]+)')


class FakeArxiv(LoopbackServer):
    def __init__(self, papers: Iterable[Paper] = ()) -> None:
        super().__init__()
        self.papers: dict[str, Paper] = {}
        self.add(*papers)

    def add(self, *papers: Paper) -> None:
        for paper in papers:
            self.papers[paper.arxiv_id] = paper

    # -- what tests assert on -------------------------------------------------------------------
    def asked_ids(self) -> list[list[str]]:
        """The `id_list` of every query request, split, in order."""
        return [
            r.query["id_list"].split(",") for r in self.calls("/api/query") if "id_list" in r.query
        ]

    def search_queries(self) -> list[str]:
        return [
            r.query["search_query"] for r in self.calls("/api/query") if "search_query" in r.query
        ]

    # -- HTTP -----------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/query", self._query)

    async def _query(self, request: web.Request) -> web.Response:
        query = request.query
        max_results = query.get("max_results", "10")
        if not max_results.isdigit():
            return _error("max_results_must_be_an_integer", "max_results must be an integer", query)
        ids = [i for i in query.get("id_list", "").split(",") if i]
        for arxiv_id in ids:
            if not _VALID_ID.fullmatch(arxiv_id):
                anchor = f"incorrect_id_format_for_{arxiv_id}"
                return _error(anchor, f"incorrect id format for {arxiv_id}", query)
        found = self._by_ids(ids) if ids else self._search(query.get("search_query", ""), query)
        start = int(query.get("start", "0") or 0)
        page = found[start : start + int(max_results)]
        return _feed(
            query, [entry(p) for p in page], total=len(found), start=start, per_page=len(page)
        )

    def _by_ids(self, ids: list[str]) -> list[Paper]:
        out = []
        for asked in ids:
            bare, _, version = asked.partition("v") if "/" not in asked else _old_split(asked)
            paper = self.papers.get(bare)
            if paper is None:
                continue
            if version and paper.version is not None and int(version) > paper.version:
                continue  # that version does not exist yet
            out.append(paper.model_copy(update={"version": int(version)}) if version else paper)
        return out

    def _search(self, search_query: str, query: Mapping[str, str]) -> list[Paper]:
        terms = _TERM.findall(search_query)
        found = [p for p in self.papers.values() if _matches(p, terms)]
        if query.get("sortBy") == "submittedDate":
            found.sort(key=lambda p: p.published or datetime.min.replace(tzinfo=UTC), reverse=True)
        return found


def _old_split(asked: str) -> tuple[str, str, str]:
    bare, sep, version = asked.rpartition("v")
    return (bare, sep, version) if sep and version.isdigit() else (asked, "", "")


def _matches(paper: Paper, terms: list[tuple[str, str]]) -> bool:
    cats = [value for field, value in terms if field == "cat"]
    if cats and not any(c in paper.categories for c in cats):
        return False
    for field, raw in terms:
        value = raw.strip('"')
        if field == "submittedDate" and not _in_range(paper, value):
            return False
        if field not in ("cat", "submittedDate") and value.lower() not in _field_text(paper, field):
            return False
    return bool(terms)


def _field_text(paper: Paper, field: str) -> str:
    parts = {
        "ti": paper.title,
        "abs": paper.abstract,
        "au": " ".join(paper.authors),
        "co": paper.comment or "",
        "jr": paper.journal_ref or "",
    }
    return (parts.get(field) or " ".join(parts.values())).lower()


def _in_range(paper: Paper, value: str) -> bool:
    low, _, high = value.strip("[]").partition(" TO ")
    if paper.published is None:
        return False
    stamp = paper.published.astimezone(UTC).strftime("%Y%m%d%H%M")
    return low.strip() <= stamp <= high.strip()


# -- Atom -------------------------------------------------------------------------------------
def _stamp(when: datetime | None) -> str:
    return (when or datetime(2024, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)


def entry(paper: Paper) -> str:
    """One `<entry>` as the API writes it: wrapped title and summary, links, categories."""
    versioned = paper.versioned_id if paper.version else f"{paper.arxiv_id}v1"
    title = "\n  ".join(_wrap(paper.title, 66)) or paper.title
    summary = "\n".join(_wrap(paper.abstract, 78))
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <updated>{_stamp(paper.updated or paper.published)}</updated>",
        f"    <published>{_stamp(paper.published)}</published>",
        f"    <title>{escape(title)}</title>",
        f"    <summary>  {escape(summary)}\n</summary>",
        *(f"    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in paper.authors),
    ]
    if paper.comment:
        lines.append(f"    <arxiv:comment {ARXIV_NS}>{escape(paper.comment)}</arxiv:comment>")
    if paper.journal_ref:
        lines.append(
            f"    <arxiv:journal_ref {ARXIV_NS}>{escape(paper.journal_ref)}</arxiv:journal_ref>"
        )
    lines += [
        f'    <link href="http://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href="http://arxiv.org/pdf/{versioned}" rel="related"'
        ' type="application/pdf"/>',
    ]
    primary = paper.primary_category or (paper.categories[0] if paper.categories else None)
    if primary:
        lines.append(f"    <arxiv:primary_category {ARXIV_NS} term={quoteattr(primary)} {SCHEME}/>")
    lines += [f"    <category term={quoteattr(c)} {SCHEME}/>" for c in paper.categories]
    lines.append("  </entry>")
    return "\n".join(lines)


def _head(query: Mapping[str, str], total: int, start: int, per_page: int) -> str:
    search, ids = query.get("search_query", ""), query.get("id_list", "")
    count = query.get("max_results", "10")
    shown = f"search_query={search}&id_list={ids}&start={start}&max_results={count}"
    self_link = escape(f"http://arxiv.org/api/query?{shown}").replace('"', "&quot;")
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            f'  <link href="{self_link}" rel="self" type="application/atom+xml"/>',
            f'  <title type="html">ArXiv Query: {escape(shown)}</title>',
            "  <id>http://arxiv.org/api/fake</id>",
            f"  <updated>{_stamp(datetime.now(UTC))}</updated>",
            f"  <opensearch:totalResults {OPENSEARCH}>{total}</opensearch:totalResults>",
            f"  <opensearch:startIndex {OPENSEARCH}>{start}</opensearch:startIndex>",
            f"  <opensearch:itemsPerPage {OPENSEARCH}>{per_page}</opensearch:itemsPerPage>",
        ]
    )


def _feed(
    query: Mapping[str, str],
    entries: list[str],
    *,
    total: int,
    start: int,
    per_page: int,
    status: int = 200,
) -> web.Response:
    body = "\n".join([_head(query, total, start, per_page), *entries, "</feed>\n"])
    return web.Response(status=status, body=body.encode(), headers={"Content-Type": ATOM_TYPE})


def error_entry(anchor: str, message: str) -> str:
    url = f"http://arxiv.org/api/errors#{escape(anchor)}"
    return "\n".join(
        [
            "  <entry>",
            f"    <id>{url}</id>",
            "    <title>Error</title>",
            f"    <summary>{escape(message)}</summary>",
            "    <updated>2007-10-12T00:00:00-04:00</updated>",
            f'    <link href="{url}" rel="alternate" type="text/html"/>',
            "    <author>\n      <name>arXiv api core</name>\n    </author>",
            "  </entry>",
        ]
    )


def _error(anchor: str, message: str, query: Mapping[str, str]) -> web.Response:
    return _feed(query, [error_entry(anchor, message)], total=1, start=0, per_page=1, status=400)
