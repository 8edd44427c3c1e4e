"""PaperCache on a real Redis: day cache, merging arXiv and HF records, known-paper matches."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bot.domain import Paper
from bot.services.paper_cache import KNOWN_KEY, PaperCache, combine

DAY = 86400


def arxiv(arxiv_id: str = "2403.09629", version: int = 1, title: str = "Quiet-STaR") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=f"Abstract of v{version}.",
        categories=("cs.CL", "cs.AI"),
        primary_category="cs.CL",
    )


def hf(arxiv_id: str = "2403.09629", upvotes: int = 71, title: str = "Quiet-STaR (HF)") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        upvotes=upvotes,
        github_repo="https://github.com/ezelikman/quiet-star",
        ai_keywords=("rationales",),
    )


@pytest.fixture
def cache(redis: aioredis.Redis) -> PaperCache:
    return PaperCache(redis)


async def test_stored_under_bare_and_versioned_ids_for_a_day(
    cache: PaperCache, redis: aioredis.Redis
) -> None:
    await cache.put_many([arxiv()])
    found = await cache.get_many(["2403.09629", "2403.09629v1", "2403.09629v2", "2401.00001"])
    assert set(found) == {"2403.09629", "2403.09629v1"}
    assert found["2403.09629"] == arxiv()
    for key in (b"pb:paper:2403.09629", b"pb:paper:2403.09629v1"):
        assert DAY - 60 < await redis.ttl(key) <= DAY
    assert all(key.startswith(b"pb:") for key in await redis.keys("*"))


async def test_ttl_is_configurable(redis: aioredis.Redis) -> None:
    await PaperCache(redis, ttl=5).put_many([arxiv()])
    assert 0 < await redis.ttl("pb:paper:2403.09629") <= 5


async def test_hf_data_merges_into_an_arxiv_record(cache: PaperCache) -> None:
    await cache.put_many([arxiv()])
    await cache.put_many([hf()])
    for key in ("2403.09629", "2403.09629v1"):
        merged = (await cache.get_many([key]))[key]
        assert merged.title == "Quiet-STaR"
        assert merged.version == 1
        assert merged.categories == ("cs.CL", "cs.AI")
        assert merged.upvotes == 71
        assert merged.github_repo == "https://github.com/ezelikman/quiet-star"


async def test_arxiv_data_merges_into_an_hf_record(cache: PaperCache) -> None:
    await cache.put_many([hf()])
    await cache.put_many([arxiv()])
    merged = (await cache.get_many(["2403.09629"]))["2403.09629"]
    assert merged.title == "Quiet-STaR"
    assert merged.version == 1
    assert merged.upvotes == 71
    assert merged.ai_keywords == ("rationales",)


async def test_versioned_record_starts_from_the_hf_record(cache: PaperCache) -> None:
    await cache.put_many([hf()])
    await cache.put_many([arxiv()])
    merged = (await cache.get_many(["2403.09629v1"]))["2403.09629v1"]
    assert merged.version == 1
    assert merged.title == "Quiet-STaR"
    assert merged.upvotes == 71


async def test_fresher_upvotes_win(cache: PaperCache) -> None:
    await cache.put_many([arxiv(), hf(upvotes=10)])
    await cache.put_many([hf(upvotes=90)])
    assert (await cache.get_many(["2403.09629"]))["2403.09629"].upvotes == 90


async def test_an_older_version_does_not_replace_the_newer_one(cache: PaperCache) -> None:
    await cache.put_many([arxiv(version=2)])
    await cache.put_many([arxiv(version=1)])
    found = await cache.get_many(["2403.09629", "2403.09629v1", "2403.09629v2"])
    assert found["2403.09629"].version == 2
    assert found["2403.09629v1"].abstract == "Abstract of v1."
    assert found["2403.09629v2"].abstract == "Abstract of v2."


def test_combine_without_old_is_new() -> None:
    assert combine(None, hf()) == hf()


async def test_unreadable_records_are_misses(cache: PaperCache, redis: aioredis.Redis) -> None:
    await redis.set("pb:paper:2403.09629", b"{not json")
    assert await cache.get_many(["2403.09629"]) == {}
    await cache.put_many([arxiv()])
    assert (await cache.get_many(["2403.09629"]))["2403.09629"] == arxiv()


async def test_empty_inputs_touch_nothing(cache: PaperCache, redis: aioredis.Redis) -> None:
    assert await cache.get_many([]) == {}
    await cache.put_many([])
    await cache.remember([])
    assert await redis.dbsize() == 0


# -- the known-paper index ------------------------------------------------------------------------
async def test_put_papers_are_remembered_permanently(
    cache: PaperCache, redis: aioredis.Redis
) -> None:
    await cache.put_many([arxiv(), hf()])
    assert await redis.ttl(KNOWN_KEY) == -1
    known = await cache.known("2403.09629")
    assert known is not None
    assert known.version == 1
    assert known.upvotes == 71


async def test_known_matches_by_title_words(cache: PaperCache) -> None:
    await cache.remember([
        arxiv("2403.09629", title="Quiet-STaR: Language Models Can Teach Themselves to Think"),
        arxiv("2401.00001", title="Sparse attention for long documents"),
        arxiv("2401.00002", title="Language models as zero-shot planners"),
    ])  # fmt: skip
    found = await cache.known_matches("language models that think", limit=5)
    assert [p.arxiv_id for p in found] == ["2403.09629", "2401.00002"]
    assert await cache.known_matches("protein folding", limit=5) == []
    assert await cache.known_matches("the of and", limit=5) == []
    assert len(await cache.known_matches("language models", limit=1)) == 1


async def test_known_matches_break_ties_by_upvotes(cache: PaperCache) -> None:
    await cache.remember([
        hf("2401.00001", upvotes=3, title="Diffusion transformers"),
        hf("2401.00002", upvotes=30, title="Diffusion transformers at scale"),
    ])  # fmt: skip
    found = await cache.known_matches("diffusion transformers", limit=2)
    assert [p.arxiv_id for p in found] == ["2401.00002", "2401.00001"]


async def test_known_matches_use_hf_keywords(cache: PaperCache) -> None:
    await cache.remember([hf("2403.09629", title="Quiet-STaR")])
    found = await cache.known_matches("rationales", limit=3)
    assert [p.arxiv_id for p in found] == ["2403.09629"]


async def test_known_matches_survive_unicode_and_junk(
    cache: PaperCache, redis: aioredis.Redis
) -> None:
    await cache.remember([arxiv("2401.00003", title="트랜스포머 어텐션 분석")])
    await redis.hset(KNOWN_KEY, "2401.00004", b"garbage")
    found = await cache.known_matches("트랜스포머 어텐션", limit=3)
    assert [p.arxiv_id for p in found] == ["2401.00003"]
