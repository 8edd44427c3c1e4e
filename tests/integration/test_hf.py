"""HuggingFaceClient over real httpx against the loopback Hugging Face API."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from bot.domain import Paper
from bot.errors import BadReference, UpstreamError
from bot.services.hf import HuggingFaceClient
from bot.services.paper_cache import PaperCache
from tests.fakes.hf import FakeHuggingFace, item_json
from tests.fakes.server import Fault

DAY = date(2024, 3, 15)  # a Friday of ISO week 2024-W11
RETRIES = 2


@pytest.fixture
def fake() -> Iterator[FakeHuggingFace]:
    with FakeHuggingFace() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def client(fake: FakeHuggingFace, http: httpx.AsyncClient) -> HuggingFaceClient:
    return HuggingFaceClient(
        http, api_url=f"{fake.base_url}/api", retries=RETRIES, backoff=0.01, cache=None
    )


@pytest.fixture
def daily_sample(fixtures_dir: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (fixtures_dir / "hf_daily_papers_sample.json").read_text("utf-8")
    )
    return data


def paper(arxiv_id: str, upvotes: int, title: str = "A paper") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract="Abstract.",
        authors=("A. Author",),
        upvotes=upvotes,
        published=datetime(2024, 3, 12, tzinfo=UTC),
    )


async def test_daily_parses_the_fixture(
    client: HuggingFaceClient, fake: FakeHuggingFace, daily_sample: list[dict[str, Any]]
) -> None:
    for item in daily_sample:
        fake.add_raw(DAY, item)
    (found,) = await client.daily(DAY)
    assert found.arxiv_id == "2403.09629"
    assert found.version is None
    assert (
        found.title == "Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking"
    )
    assert found.authors[0] == "Eric Zelikman"
    assert len(found.authors) == 6
    assert found.abstract == "When writing and talking, people sometimes pause to think. ..."
    assert found.published == datetime(2024, 3, 14, 17, 58, 16, tzinfo=UTC)
    assert found.upvotes == 71
    assert found.github_repo is None
    assert found.project_page is None
    assert found.ai_keywords == (
        "Quiet-STaR", "rationales", "tokenwise parallel sampling", "teacher-forcing",
    )  # fmt: skip
    (request,) = fake.calls("/api/daily_papers")
    assert request.query == {"date": "2024-03-15", "limit": "100"}


async def test_week_keeps_one_paper_per_id_with_most_upvotes(
    client: HuggingFaceClient, fake: FakeHuggingFace
) -> None:
    fake.add(date(2024, 3, 11), paper("2403.00001", 5), paper("2403.00002", 40))
    fake.add(date(2024, 3, 13), paper("2403.00001", 12))
    fake.add(date(2024, 3, 18), paper("2403.00003", 99))  # Monday of the next week
    found = await client.week("2024-W11")
    assert {p.arxiv_id: p.upvotes for p in found} == {"2403.00001": 12, "2403.00002": 40}
    (request,) = fake.calls("/api/daily_papers")
    assert request.query == {"week": "2024-W11", "limit": "100"}


@pytest.mark.parametrize(
    "week", ["2024-11", "2024-W1", "2024-W54", "2021-W53", "W11", "", "2024-W11x"]
)
async def test_bad_weeks_are_refused_without_a_request(
    client: HuggingFaceClient, fake: FakeHuggingFace, week: str
) -> None:
    with pytest.raises(BadReference, match="2024-W11"):
        await client.week(week)
    assert fake.count() == 0


async def test_a_53rd_week_exists_in_some_years(client: HuggingFaceClient) -> None:
    assert await client.week("2020-W53") == []


async def test_nulls_and_missing_fields_are_tolerated(
    client: HuggingFaceClient, fake: FakeHuggingFace
) -> None:
    fake.add_raw(
        DAY,
        {
            "paper": {
                "id": "2403.00010",
                "title": None,
                "authors": None,
                "summary": None,
                "publishedAt": None,
                "upvotes": None,
                "githubRepo": None,
                "ai_keywords": None,
            },
            "title": "Title only on the item",
            "summary": "Summary only on the item.",
        },
    )
    (found,) = await client.daily(DAY)
    assert found.title == "Title only on the item"
    assert found.abstract == "Summary only on the item."
    assert found.authors == ()
    assert found.upvotes is None
    assert found.published is None
    assert found.ai_keywords == ()


async def test_malformed_items_are_skipped_with_a_warning(
    client: HuggingFaceClient, fake: FakeHuggingFace, caplog: pytest.LogCaptureFixture
) -> None:
    good = item_json(paper("2403.00020", 3, "Good paper"), DAY)
    hostile = item_json(paper("2403.00021", 1, "Hostile $\\alpha$ @everyone"), DAY)
    hostile["paper"]["githubRepo"] = "javascript:alert(1)"
    hostile["paper"]["projectPage"] = "https://example.org/project page"
    hostile["paper"]["upvotes"] = True
    for junk in [42, "text", None, {"paper": None}, {"paper": {"id": "not-an-id", "title": "x"}}]:
        fake.add_raw(DAY, junk)
    fake.add_raw(DAY, {"paper": {"id": "2403.00022"}})  # no title anywhere
    fake.add_raw(DAY, good)
    fake.add_raw(DAY, hostile)
    with caplog.at_level(logging.WARNING):
        found = await client.daily(DAY)
    assert [p.arxiv_id for p in found] == ["2403.00020", "2403.00021"]
    flagged = found[1]
    assert flagged.github_repo is None
    assert flagged.project_page is None
    assert flagged.upvotes is None
    assert flagged.title == "Hostile α @\u200beveryone"
    assert sum("not a paper" in r.getMessage() for r in caplog.records) == 6


@pytest.mark.parametrize("payload", [{"error": "Invalid date"}, "a string", 12, {"papers": []}])
async def test_an_answer_that_is_not_a_list_is_an_upstream_error(
    client: HuggingFaceClient, fake: FakeHuggingFace, payload: object
) -> None:
    fake.respond_with(payload)
    with pytest.raises(UpstreamError, match="cannot read"):
        await client.daily(DAY)


async def test_garbage_is_an_upstream_error(
    client: HuggingFaceClient, fake: FakeHuggingFace
) -> None:
    fake.inject(Fault.junk())
    with pytest.raises(UpstreamError, match="cannot read"):
        await client.daily(DAY)


async def test_500s_exhaust_retries(client: HuggingFaceClient, fake: FakeHuggingFace) -> None:
    fake.inject(*[Fault.error(500)] * (RETRIES + 1))
    with pytest.raises(
        UpstreamError, match=r"Hugging Face is not answering right now \(HTTP 500\)"
    ):
        await client.daily(DAY)
    assert fake.count() == RETRIES + 1


async def test_unreachable_service_is_a_clear_error(http: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens
    client = HuggingFaceClient(
        http, api_url=f"http://127.0.0.1:{port}/api", retries=1, backoff=0.01, cache=None
    )
    with pytest.raises(UpstreamError, match="Hugging Face cannot be reached right now"):
        await client.daily(DAY)


async def test_slow_answers_time_out_into_a_clear_error(fake: FakeHuggingFace) -> None:
    fake.inject(Fault.slow(1.0))
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        client = HuggingFaceClient(
            impatient, api_url=f"{fake.base_url}/api", retries=0, backoff=0.01, cache=None
        )
        with pytest.raises(UpstreamError, match="did not answer in time"):
            await client.daily(DAY)


async def test_429_then_success(client: HuggingFaceClient, fake: FakeHuggingFace) -> None:
    fake.add(DAY, paper("2403.00030", 1))
    fake.inject(Fault.too_many(retry_after=0))
    assert [p.arxiv_id for p in await client.daily(DAY)] == ["2403.00030"]
    assert fake.count() == 2


async def test_paper_parses_the_papers_endpoint_fixture(
    client: HuggingFaceClient, fake: FakeHuggingFace, fixtures_dir: Path
) -> None:
    fake.papers["2403.09629"] = json.loads(
        (fixtures_dir / "hf_paper_2403.09629.json").read_text("utf-8")
    )
    found = await client.paper("2403.09629v1")
    assert found is not None
    assert found.arxiv_id == "2403.09629"
    assert found.upvotes == 71
    assert found.github_repo == "https://github.com/ezelikman/quiet-star"
    assert found.abstract.startswith("When writing and talking, people sometimes pause to think.")
    assert "\n" not in found.abstract
    assert [r.path for r in fake.calls()] == ["/api/papers/2403.09629"]


async def test_unknown_paper_is_none(client: HuggingFaceClient, fake: FakeHuggingFace) -> None:
    assert await client.paper("2403.99999") is None
    assert fake.count() == 1


async def test_ids_hf_cannot_have_ask_nothing(
    client: HuggingFaceClient, fake: FakeHuggingFace
) -> None:
    assert await client.paper("hep-th/9901001") is None
    assert await client.paper("../../api/whoami") is None
    assert fake.count() == 0


async def test_hf_fields_merge_into_the_cached_arxiv_record(
    fake: FakeHuggingFace, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    cache = PaperCache(redis)
    arxiv = Paper(
        arxiv_id="2403.00040",
        version=2,
        title="The arXiv title",
        abstract="The arXiv abstract.",
        categories=("cs.CL",),
    )
    await cache.put_many([arxiv])
    hf_paper = paper("2403.00040", 17, "The HF title").model_copy(
        update={"github_repo": "https://github.com/o/r", "ai_keywords": ("k1",)}
    )
    fake.add(DAY, hf_paper)
    client = HuggingFaceClient(http, api_url=f"{fake.base_url}/api", cache=cache)
    await client.daily(DAY)
    merged = (await cache.get_many(["2403.00040"]))["2403.00040"]
    assert merged.title == "The arXiv title"
    assert merged.version == 2
    assert merged.categories == ("cs.CL",)
    assert merged.upvotes == 17
    assert merged.github_repo == "https://github.com/o/r"
    assert merged.ai_keywords == ("k1",)


async def test_the_hf_link_is_shown_only_for_papers_hf_lists(
    client: HuggingFaceClient, fake: FakeHuggingFace
) -> None:
    fake.add(DAY, paper("2403.00050", 0, "Listed, no votes yet"))
    (listed,) = await client.daily(DAY)
    assert listed.links()["HF"] == "https://huggingface.co/papers/2403.00050"
    only_arxiv = Paper(arxiv_id="hep-th/9711200", version=3, title="The Large N Limit")
    assert "HF" not in only_arxiv.links()
    assert await client.paper("hep-th/9711200") is None
    assert "HF" not in Paper(arxiv_id="2403.00051", title="Not on HF").links()


async def test_hf_text_has_its_latex_rendered(
    client: HuggingFaceClient, fake: FakeHuggingFace
) -> None:
    fake.add(DAY, paper("2403.00052", 3, "$\\mu$P at scale").model_copy(
        update={"abstract": "Saves \\$5 and 50% of compute.", "ai_keywords": ("$\\mu$P",)}
    ))  # fmt: skip
    (found,) = await client.daily(DAY)
    assert (found.title, found.abstract, found.ai_keywords) == (
        "μP at scale",
        "Saves $5 and 50% of compute.",
        ("μP",),
    )
