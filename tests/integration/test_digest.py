"""Building digests through the real core against loopback arXiv / HF / LLM fakes."""

from datetime import date

from bot.domain import ChannelRef
from bot.render import plain_text, render_digest
from bot.services.digest import DigestRequest
from tests.fakes.server import Fault
from tests.harness import paperboy_app, sample_papers

WEEK = "2024-W11"
CH = ChannelRef(platform="discord", channel_id="1100000000000000002")


def upvoted(n: int = 8) -> list:
    papers = sample_papers()[:n]
    return [p.model_copy(update={"upvotes": 10 * (i + 1)}) for i, p in enumerate(papers)]


async def test_digest_ranks_hf_week_by_upvotes_and_votes(redis_url: str) -> None:
    papers = upvoted()
    async with paperboy_app(redis_url, papers=papers) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        # The team's votes beat Hugging Face's upvotes.
        for user in ("U1", "U2", "U3"):
            await h.app.votes.record_vote(papers[0].arxiv_id, user, 1, platform="slack")
        digest = await h.app.digests.build(DigestRequest(week=WEEK, language="ko", limit=5))
        calls = h.llm.chat_calls()
    ids = [item.paper.arxiv_id for item in digest.items]
    assert len(ids) == 5
    assert ids[0] == papers[0].arxiv_id
    assert ids[1:] == [p.arxiv_id for p in reversed(papers[-4:])]
    assert "team votes +3/-0" in digest.items[0].why
    assert digest.trend_source == "llm"
    assert all(item.summary.language == "ko" for item in digest.items)
    assert calls == 6  # five summaries + one trend paragraph


async def test_second_channel_same_week_costs_no_llm_call(redis_url: str) -> None:
    papers = upvoted(4)
    async with paperboy_app(redis_url, papers=papers) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        await h.app.digests.build(DigestRequest(week=WEEK, language="ja", channel=CH))
        first = h.llm.chat_calls()
        other = ChannelRef(platform="slack", channel_id="C1")
        await h.app.digests.build(DigestRequest(week=WEEK, language="ja", channel=other))
        assert h.llm.chat_calls() == first


async def test_shared_papers_and_categories_join_the_candidates(redis_url: str) -> None:
    papers = sample_papers()
    quiet = next(p for p in papers if p.arxiv_id == "2403.09629")
    async with paperboy_app(redis_url, papers=papers) as h:
        await h.app.channels.record_shared(
            CH,
            ["2403.05313"],
            at=__import__("datetime").datetime(2024, 3, 13, tzinfo=__import__("datetime").UTC),
        )
        digest = await h.app.digests.build(
            DigestRequest(week=WEEK, language="en", channel=CH, categories=("cs.CL",))
        )
    ids = {item.paper.arxiv_id for item in digest.items}
    assert "2403.05313" in ids  # shared in the channel
    assert quiet.arxiv_id in ids  # cs.CL, published that week
    shared = next(i for i in digest.items if i.paper.arxiv_id == "2403.05313")
    assert "shared 1× in this channel" in shared.why


async def test_arxiv_down_still_gives_an_hf_only_digest(redis_url: str) -> None:
    papers = upvoted(3)
    async with paperboy_app(redis_url, papers=papers, PAPERBOY_HTTP_RETRIES=0) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        h.arxiv.inject(*[Fault.error(503)] * 5)
        digest = await h.app.digests.build(
            DigestRequest(week=WEEK, language="en", categories=("cs.CL",))
        )
    assert len(digest.items) == 3
    assert digest.empty_reason is None


async def test_llm_down_still_gives_a_labelled_digest(redis_url: str) -> None:
    papers = upvoted(3)
    async with paperboy_app(redis_url, papers=papers) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        h.llm.inject(*[Fault.error(500)] * 10)
        digest = await h.app.digests.build(DigestRequest(week=WEEK, language="zh"))
    assert len(digest.items) == 3
    assert digest.trend_source == "extractive"
    assert all(item.summary.source == "extractive" for item in digest.items)
    text = "\n".join(plain_text(m) for m in render_digest(digest))
    assert "抽取式摘要" in text


async def test_empty_week_says_why_instead_of_silence(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        digest = await h.app.digests.build(DigestRequest(week="2024-W52", language="en"))
        h.hf.inject(*[Fault.error(503)] * 5)
        broken = await h.app.digests.build(DigestRequest(week="2024-W51", language="en"))
    assert digest.items == ()
    assert "No papers for 2024-W52" in (digest.empty_reason or "")
    assert "Hugging Face" in (broken.empty_reason or "")
    assert "No digest this week" in (broken.empty_reason or "")
