"""A loopback Hugging Face papers API: `/api/daily_papers` and `/api/papers/{id}`.

Items have the real shape (tests/fixtures/hf_daily_papers_sample.json): the paper nested under
`paper` with `upvotes`, `githubRepo`, `projectPage`, `ai_keywords`..., plus the item's own
`publishedAt`, `title`, `summary`, `thumbnail`, `numComments`, `submittedBy`. `date=YYYY-MM-DD`
selects one day, `week=YYYY-Www` an ISO week; `limit` (default 50, at most 100) caps the list.
Raw items can be added as they are, to test what malformed answers do.
Use `api_url = f"{fake.base_url}/api"`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.domain import Paper
from tests.fakes.server import LoopbackServer

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def _stamp(when: datetime | date | None) -> str | None:
    if when is None:
        return None
    if isinstance(when, datetime):
        return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return f"{when.isoformat()}T00:00:00.000Z"


def paper_json(paper: Paper, day: date | None = None) -> dict[str, Any]:
    """The paper object as `/api/papers/{id}` and `item["paper"]` carry it."""
    data: dict[str, Any] = {
        "id": paper.arxiv_id,
        "authors": [
            {"_id": f"65f3a1b2c3d4e5f6{n:08d}", "name": name, "hidden": False}
            for n, name in enumerate(paper.authors)
        ],
        "mediaUrls": [],
        "publishedAt": _stamp(paper.published),
        "submittedOnDailyAt": _stamp(day),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.upvotes or 0,
        "discussionId": "65f3a1b2c3d4e5f6012345aa",
        "githubRepo": paper.github_repo,
        "ai_summary": None,
        "ai_keywords": list(paper.ai_keywords),
    }
    if paper.project_page:
        data["projectPage"] = paper.project_page
    return data


def item_json(paper: Paper, day: date) -> dict[str, Any]:
    """One `daily_papers` item around the paper."""
    return {
        "paper": paper_json(paper, day),
        "publishedAt": _stamp(day),
        "title": paper.title,
        "summary": paper.abstract,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper.arxiv_id}.png",
        "numComments": 0,
        "submittedBy": {
            "_id": "60f1abe7544c2adfd699860c",
            "avatarUrl": "",
            "fullname": "AK",
            "name": "akhaliq",
            "type": "user",
            "isPro": False,
        },
        "isAuthorParticipating": False,
    }


class FakeHuggingFace(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.days: dict[date, list[Any]] = {}
        self.papers: dict[str, dict[str, Any]] = {}
        self.override: Any = None

    def respond_with(self, payload: Any) -> None:
        """Answer every `daily_papers` request with `payload` (200, JSON) instead of the list."""
        self.override = payload

    def add(self, day: date, *papers: Paper) -> None:
        """Feature `papers` on `day` (also served by `/api/papers/{id}`)."""
        for paper in papers:
            self.add_raw(day, item_json(paper, day))
            self.papers[paper.arxiv_id] = paper_json(paper, day)

    def add_raw(self, day: date, item: Any) -> None:
        """Append an item exactly as given (malformed ones included) to `day`'s list."""
        self.days.setdefault(day, []).append(item)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/daily_papers", self._daily)
        app.router.add_get("/api/papers/{arxiv_id}", self._paper)

    async def _daily(self, request: web.Request) -> web.Response:
        if self.override is not None:
            return web.json_response(self.override)
        query = request.query
        try:
            limit = min(100, int(query.get("limit", "50")))
            days = _selected_days(query.get("date"), query.get("week"), self.days)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        items = [item for day in sorted(days, reverse=True) for item in self.days[day]]
        return web.json_response(items[:limit])

    async def _paper(self, request: web.Request) -> web.Response:
        data = self.papers.get(request.match_info["arxiv_id"])
        if data is None:
            return web.json_response({"error": "Paper not found"}, status=404)
        return web.json_response(data)


def _selected_days(day: str | None, week: str | None, known: dict[date, list[Any]]) -> list[date]:
    if day is not None:
        wanted = date.fromisoformat(day)
        return [d for d in known if d == wanted]
    if week is not None:
        match = _WEEK.fullmatch(week)
        if match is None:
            raise ValueError(f"Invalid week: {week}")
        year, number = int(match[1]), int(match[2])
        return [d for d in known if d.isocalendar()[:2] == (year, number)]
    return list(known)
