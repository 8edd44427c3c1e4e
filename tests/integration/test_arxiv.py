"""ArxivClient over real httpx against the loopback arXiv API and a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from bot.domain import Paper
from bot.errors import BadReference, UpstreamError
from bot.services.arxiv import ArxivClient, build_search_query, parse_feed
from bot.services.http import retry_after_seconds
from bot.services.paper_cache import PaperCache
from bot.services.ratelimit import SharedInterval
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.server import Fault

RETRIES = 3


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def make_client(
    fake: FakeArxiv, http: httpx.AsyncClient, redis: aioredis.Redis, min_interval: float = 0
) -> ArxivClient:
    return ArxivClient(
        http,
        redis,
        api_url=f"{fake.base_url}/api/query",
        min_interval=min_interval,
        retries=RETRIES,
        backoff=0.01,
        cache=PaperCache(redis),
    )


@pytest.fixture
def client(fake: FakeArxiv, http: httpx.AsyncClient, redis: aioredis.Redis) -> ArxivClient:
    return make_client(fake, http, redis)


@pytest.fixture
def quiet_star(fixtures_dir: Path) -> Paper:
    (paper,) = parse_feed((fixtures_dir / "arxiv_id_list_2403.09629.atom").read_bytes())
    return paper


def numbered(count: int, month: str = "2401") -> list[Paper]:
    return [
        Paper(
            arxiv_id=f"{month}.{n:05d}",
            version=1,
            title=f"Paper number {n} on sparse attention",
            abstract=f"We study case {n}.",
            authors=("A. Author",),
            categories=("cs.LG",),
            published=datetime(2024, 1, 2, tzinfo=UTC) + timedelta(hours=n),
        )
        for n in range(1, count + 1)
    ]


# -- parsing ------------------------------------------------------------------------------------
def test_fixture_fields_exactly(quiet_star: Paper) -> None:
    published = datetime(2024, 3, 14, 17, 58, 16, tzinfo=UTC)
    assert quiet_star.arxiv_id == "2403.09629"
    assert quiet_star.version == 1
    assert quiet_star.title == (
        "Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking"
    )
    assert quiet_star.authors == (
        "Eric Zelikman", "Georges Harik", "Yijia Shao", "Varuna Jayasiri", "Nick Haber",
        "Noah D. Goodman",
    )  # fmt: skip
    assert quiet_star.categories == ("cs.CL", "cs.AI", "cs.LG")
    assert quiet_star.primary_category == "cs.CL"
    assert quiet_star.published == published
    assert quiet_star.updated == published
    assert quiet_star.published.utcoffset() == timedelta(0)
    assert quiet_star.comment is None
    assert quiet_star.journal_ref is None


def test_fixture_abstract_is_folded_and_latex_rendered(quiet_star: Paper) -> None:
    abstract = quiet_star.abstract
    assert abstract.startswith("When writing and talking, people sometimes pause to think.")
    assert abstract.endswith("to reason in a more general and scalable way.")
    assert "GSM8K (5.9%→10.9%)" in abstract
    assert "CommonsenseQA (36.3%→47.2%)" in abstract
    assert "\n" not in abstract
    assert "  " not in abstract
    assert "$" not in abstract
    assert "\\rightarrow" not in abstract


def test_error_entry_fixture_is_a_bad_reference(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "arxiv_error_incorrect_id.atom").read_bytes()
    with pytest.raises(BadReference, match=r"incorrect id format for 1234\.12345") as caught:
        parse_feed(body, 400)
    assert "2401.08541" in str(caught.value)  # says what an id looks like


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00<<not json or xml>>\xff{", b"<html><body>busy</body></html>", b"Rate exceeded."],
)
def test_garbage_is_an_upstream_error(body: bytes) -> None:
    with pytest.raises(UpstreamError, match="not an Atom feed"):
        parse_feed(body)


# -- fetch --------------------------------------------------------------------------------------
async def test_fetch_round_trips_the_fixture_paper(
    client: ArxivClient, fake: FakeArxiv, quiet_star: Paper
) -> None:
    fake.add(quiet_star)
    found = await client.fetch(["2403.09629"])
    assert found == {"2403.09629": quiet_star}
    (request,) = fake.calls("/api/query")
    assert request.query["id_list"] == "2403.09629"
    assert request.query["max_results"] == "1"


async def test_comment_journal_ref_and_latex_title(client: ArxivClient, fake: FakeArxiv) -> None:
    fake.add(
        Paper(
            arxiv_id="2401.00001",
            version=2,
            title="Scaling $\\alpha$ with \\emph{tiny} models",
            abstract="Gains of 3$\\times$ over baselines.",
            authors=("Ada Lovelace",),
            categories=("cs.LG", "stat.ML"),
            primary_category="cs.LG",
            comment="12 pages, 3 figures",
            journal_ref="NeurIPS 2024",
            published=datetime(2024, 1, 1, tzinfo=UTC),
        )
    )
    paper = (await client.fetch(["2401.00001"]))["2401.00001"]
    assert paper.title == "Scaling α with tiny models"
    assert paper.abstract == "Gains of 3× over baselines."
    assert paper.comment == "12 pages, 3 figures"
    assert paper.journal_ref == "NeurIPS 2024"
    assert paper.version == 2


async def test_versioned_id_asks_for_that_version(
    client: ArxivClient, fake: FakeArxiv, quiet_star: Paper
) -> None:
    fake.add(quiet_star)
    found = await client.fetch(["2403.09629v1"])
    assert found["2403.09629v1"].version == 1
    assert fake.asked_ids() == [["2403.09629v1"]]


async def test_250_ids_take_three_batched_requests(client: ArxivClient, fake: FakeArxiv) -> None:
    papers = numbered(250)
    fake.add(*papers)
    ids = [p.arxiv_id for p in papers]
    found = await client.fetch(ids)
    assert list(found) == ids
    assert [len(batch) for batch in fake.asked_ids()] == [100, 100, 50]
    assert [r.query["max_results"] for r in fake.calls("/api/query")] == ["100", "100", "50"]
    assert [i for batch in fake.asked_ids() for i in batch] == ids


async def test_cached_papers_are_not_fetched_again(
    client: ArxivClient,
    fake: FakeArxiv,
    http: httpx.AsyncClient,
    redis: aioredis.Redis,
    quiet_star: Paper,
) -> None:
    fake.add(quiet_star, *numbered(3))
    await client.fetch(["2403.09629", "2401.00001"])
    fake.reset()
    again = await client.fetch(["2403.09629", "2401.00001"])
    other_process = make_client(fake, http, redis)
    also = await other_process.fetch(["2403.09629v1"])
    assert fake.count() == 0
    assert again["2403.09629"] == quiet_star
    assert also["2403.09629v1"] == quiet_star


async def test_only_cache_misses_are_asked(client: ArxivClient, fake: FakeArxiv) -> None:
    fake.add(*numbered(3))
    await client.fetch(["2401.00001"])
    await client.fetch(["2401.00001", "2401.00002", "2401.00003"])
    assert fake.asked_ids() == [["2401.00001"], ["2401.00002", "2401.00003"]]


async def test_unknown_ids_are_absent(client: ArxivClient, fake: FakeArxiv) -> None:
    fake.add(*numbered(1))
    found = await client.fetch(["2401.00001", "2401.99999"])
    assert list(found) == ["2401.00001"]
    assert await client.fetch(["2401.99999"]) == {}


async def test_old_style_ids_are_asked_canonically(client: ArxivClient, fake: FakeArxiv) -> None:
    fake.add(Paper(arxiv_id="math/0309136", version=1, title="Old paper", categories=("math.GT",)))
    found = await client.fetch(["math.GT/0309136v1"])
    assert found["math.GT/0309136v1"].arxiv_id == "math/0309136"
    assert fake.asked_ids() == [["math/0309136v1"]]


async def test_malformed_id_becomes_bad_reference(client: ArxivClient, fake: FakeArxiv) -> None:
    with pytest.raises(BadReference, match=r"incorrect id format for 2401\.123"):
        await client.fetch(["2401.123"])
    assert fake.count() == 1  # a 400 is an answer, not a reason to retry


async def test_ids_with_commas_are_refused_before_any_request(
    client: ArxivClient, fake: FakeArxiv
) -> None:
    with pytest.raises(BadReference, match="one by one"):
        await client.fetch(["2401.00001,2401.00002"])
    assert fake.count() == 0


async def test_garbage_answer_is_upstream_error(client: ArxivClient, fake: FakeArxiv) -> None:
    fake.inject(Fault.junk())
    with pytest.raises(UpstreamError, match="not an Atom feed"):
        await client.fetch(["2401.00001"])


async def test_429_retry_after_is_honoured(
    client: ArxivClient, fake: FakeArxiv, quiet_star: Paper
) -> None:
    fake.add(quiet_star)
    fake.inject(Fault.too_many(retry_after=1))
    found = await client.fetch(["2403.09629"])
    first, second = fake.calls("/api/query")
    assert found == {"2403.09629": quiet_star}
    assert second.at - first.at >= 0.95  # asked to wait 1 s; our own backoff is 0.01 s


async def test_500s_exhaust_retries_into_a_clear_error(
    client: ArxivClient, fake: FakeArxiv
) -> None:
    fake.inject(*[Fault.error(500)] * (RETRIES + 1))
    with pytest.raises(UpstreamError) as caught:
        await client.fetch(["2401.00001"])
    assert str(caught.value) == (
        "arXiv is not answering right now (HTTP 500); try again in a few minutes"
    )
    assert fake.count() == RETRIES + 1


async def test_503_then_success(client: ArxivClient, fake: FakeArxiv) -> None:
    fake.add(*numbered(1))
    fake.inject(Fault.error(503), Fault.error(502))
    assert list(await client.fetch(["2401.00001"])) == ["2401.00001"]
    assert fake.count() == 3


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_forms(header: str | None, seconds: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()
    assert retry_after_seconds(header, now=now) == seconds


# -- search ---------------------------------------------------------------------------------------
def test_search_query_building() -> None:
    assert build_search_query("quiet star reasoning") == "all:quiet AND all:star AND all:reasoning"
    assert build_search_query("agents AND OR NOT andnot planning") == "all:agents AND all:planning"
    assert build_search_query('Quiet-STaR "(x) OR') == 'all:"Quiet-STaR" AND all:x'
    assert build_search_query("트랜스포머 attention") == 'all:"트랜스포머" AND all:attention'
    assert build_search_query("cat:cs.CL AND ti:agents") == "cat:cs.CL AND ti:agents"
    assert build_search_query(" ".join(f"w{n}" for n in range(40))).count("all:") == 12
    with pytest.raises(BadReference):
        build_search_query("AND OR ()")


async def test_keyword_search(client: ArxivClient, fake: FakeArxiv, quiet_star: Paper) -> None:
    fake.add(quiet_star, *numbered(3))
    found = await client.search("think before speaking", max_results=3)
    (request,) = fake.calls("/api/query")
    assert [p.arxiv_id for p in found] == ["2403.09629"]
    assert request.query["search_query"] == "all:think AND all:before AND all:speaking"
    assert request.query["sortBy"] == "relevance"
    assert request.query["max_results"] == "3"


async def test_search_results_become_known_papers(
    client: ArxivClient, fake: FakeArxiv, redis: aioredis.Redis, quiet_star: Paper
) -> None:
    fake.add(quiet_star)
    await client.search("quiet star")
    known = await PaperCache(redis).known_matches("Quiet-STaR language models", limit=3)
    assert [p.arxiv_id for p in known] == ["2403.09629"]


async def test_category_search(client: ArxivClient, fake: FakeArxiv) -> None:
    old = numbered(2, month="2312")
    new = numbered(3)
    other = Paper(
        arxiv_id="2401.09999",
        title="A chemistry paper",
        categories=("physics.chem-ph",),
        published=datetime(2024, 1, 3, tzinfo=UTC),
    )
    old = [p.model_copy(update={"published": datetime(2023, 12, 1, tzinfo=UTC)}) for p in old]
    fake.add(*old, *new, other)
    since = datetime(2024, 1, 1, tzinfo=UTC)
    found = await client.search_category(["cs.LG", "cs.CL"], since=since, max_results=10)
    (request,) = fake.calls("/api/query")
    assert [p.arxiv_id for p in found] == ["2401.00003", "2401.00002", "2401.00001"]
    assert request.query["search_query"].startswith(
        "(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202401010000 TO "
    )
    assert request.query["sortBy"] == "submittedDate"
    assert request.query["sortOrder"] == "descending"


async def test_bad_category_is_refused_without_a_request(
    client: ArxivClient, fake: FakeArxiv
) -> None:
    with pytest.raises(BadReference, match="not an arXiv category"):
        await client.search_category(["cs.CL) OR all:x"], since=datetime(2024, 1, 1, tzinfo=UTC))
    assert fake.count() == 0


# -- the shared rate limit ------------------------------------------------------------------------
async def test_slots_from_two_clients_are_an_interval_apart(
    redis: aioredis.Redis, redis_url: str
) -> None:
    other = aioredis.Redis.from_url(redis_url)
    try:
        a = SharedInterval(redis, "pb:ratelimit:test", 0.5)
        b = SharedInterval(other, "pb:ratelimit:test", 0.5)
        slots = await asyncio.gather(*(limiter.reserve() for limiter in [a, b] * 6))
    finally:
        await other.aclose()
    times = sorted(slot.at for slot in slots)
    assert all(later - earlier >= 0.5 - 1e-6 for earlier, later in pairwise(times))
    assert max(slot.delay for slot in slots) >= 5 * 0.5
    assert 0 < await redis.pttl("pb:ratelimit:test") <= 7000


async def test_wait_sleeps_until_the_reserved_slot(redis: aioredis.Redis) -> None:
    limiter = SharedInterval(redis, "pb:ratelimit:test", 0.3)
    first = await limiter.reserve()
    await limiter.wait()
    seconds, micros = await redis.time()
    assert seconds + micros / 1e6 >= first.at + 0.3


async def test_two_processes_share_arxivs_interval(
    fake: FakeArxiv, http: httpx.AsyncClient, redis: aioredis.Redis, redis_url: str
) -> None:
    fake.add(*numbered(4))
    other = aioredis.Redis.from_url(redis_url)
    try:
        a = make_client(fake, http, redis, min_interval=0.3)
        b = make_client(fake, http, other, min_interval=0.3)
        await asyncio.gather(*(c.fetch([f"2401.0000{n}"]) for n, c in enumerate([a, b] * 2, 1)))
    finally:
        await other.aclose()
    times = sorted(r.at for r in fake.calls("/api/query"))
    assert len(times) == 4
    assert all(later - earlier >= 0.25 for earlier, later in pairwise(times))


async def test_latex_is_rendered_once_and_cached_records_are_tidied(
    client: ArxivClient, fake: FakeArxiv, redis: aioredis.Redis
) -> None:
    raw = Paper(
        arxiv_id="2401.00009",
        version=1,
        title="$\\mu$P for Erd\\H{o}s--R\\'enyi graphs",
        abstract="It costs \\$5 and \\$10, saving 50% of $\\ell_2$ error.",
        authors=("Fran\\c{c}ois Chollet",),
    )
    fake.add(raw)
    paper = (await client.fetch(["2401.00009"]))["2401.00009"]
    assert paper.title == "μP for Erdős–Rényi graphs"
    assert paper.abstract == "It costs $5 and $10, saving 50% of ℓ_2 error."
    assert paper.authors == ("François Chollet",)
    # a record an older Paperboy cached without rendering its LaTeX is tidied when read
    await PaperCache(redis).put_many([raw.model_copy(update={"arxiv_id": "2401.00010"})])
    old = (await client.fetch(["2401.00010"]))["2401.00010"]
    assert (old.title, old.abstract) == (paper.title, paper.abstract)
    assert fake.count("/api/query") == 1
