"""Building digests through the real core against loopback arXiv / HF / LLM fakes."""

from datetime import UTC, date, datetime

from bot.domain import ChannelRef, MessageRef
from bot.render import explain, plain_text, render_digest
from tests.fakes.server import Fault
from tests.harness import paperboy_app, sample_papers, vote, week_plan

WEEK = "2024-W11"
CH = ChannelRef(platform="discord", channel_id="1100000000000000002")
TEAM = "discord:1100000000000000001"


def upvoted(n: int = 8) -> list:
    papers = sample_papers()[:n]
    return [p.model_copy(update={"upvotes": 10 * (i + 1)}) for i, p in enumerate(papers)]


async def test_digest_ranks_hf_week_by_upvotes_and_votes(redis_url: str) -> None:
    papers = upvoted()
    async with paperboy_app(redis_url, papers=papers) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        # The team's votes beat Hugging Face's upvotes.
        await h.app.teams.place(CH, TEAM)
        for user in ("U1", "U2", "U3"):
            await vote(h.app.redis, h.app.votes, papers[0].arxiv_id, user, team=TEAM)
        plan = await week_plan(h.app, WEEK, language="ko", limit=5, channel=CH)
        digest = await h.app.digests.build(plan)
        calls = h.llm.chat_calls()
    ids = [item.paper.arxiv_id for item in digest.items]
    assert len(ids) == 5
    assert ids[0] == papers[0].arxiv_id
    assert ids[1:] == [p.arxiv_id for p in reversed(papers[-4:])]
    assert "team votes +3/-0" in explain(digest.items[0].why, "en")
    assert digest.trend_source == "llm"
    assert all(item.summary.language == "ko" for item in digest.items)
    assert calls == 6  # five summaries + one trend paragraph


async def test_second_channel_same_week_costs_no_llm_call(redis_url: str) -> None:
    papers = upvoted(4)
    async with paperboy_app(redis_url, papers=papers) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        await h.app.digests.build(await week_plan(h.app, WEEK, language="ja", channel=CH))
        first = h.llm.chat_calls()
        other = ChannelRef(platform="slack", channel_id="C1")
        await h.app.digests.build(await week_plan(h.app, WEEK, language="ja", channel=other))
        assert h.llm.chat_calls() == first


async def test_shared_papers_and_categories_join_the_candidates(redis_url: str) -> None:
    papers = sample_papers()
    quiet = next(p for p in papers if p.arxiv_id == "2403.09629")
    async with paperboy_app(redis_url, papers=papers) as h:
        await h.app.teams.place(CH, TEAM)
        await h.app.channels.record_shared(
            TEAM,
            MessageRef(channel=CH, message_id="1"),
            ["2403.05313"],
            at=datetime(2024, 3, 13, tzinfo=UTC),
        )
        digest = await h.app.digests.build(
            await week_plan(h.app, WEEK, channel=CH, categories=("cs.CL",))
        )
    ids = {item.paper.arxiv_id for item in digest.items}
    assert "2403.05313" in ids  # shared in the channel
    assert quiet.arxiv_id in ids  # cs.CL, published that week
    shared = next(i for i in digest.items if i.paper.arxiv_id == "2403.05313")
    assert "shared 1× in this channel" in explain(shared.why, "en")


async def test_arxiv_down_still_gives_an_hf_only_digest(redis_url: str) -> None:
    papers = upvoted(3)
    async with paperboy_app(redis_url, papers=papers, PAPERBOY_HTTP_RETRIES=0) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        h.arxiv.inject(*[Fault.error(503)] * 5)
        digest = await h.app.digests.build(await week_plan(h.app, WEEK, categories=("cs.CL",)))
    assert len(digest.items) == 3
    assert digest.empty_reason is None


async def test_llm_down_still_gives_a_labelled_digest(redis_url: str) -> None:
    papers = upvoted(3)
    async with paperboy_app(redis_url, papers=papers) as h:
        h.hf.add(date(2024, 3, 12), *papers)
        h.llm.inject(*[Fault.error(500)] * 10)
        digest = await h.app.digests.build(await week_plan(h.app, WEEK, language="zh"))
    assert len(digest.items) == 3
    assert digest.trend_source == "extractive"
    assert all(item.summary.source == "extractive" for item in digest.items)
    text = "\n".join(plain_text(m) for m in render_digest(digest))
    assert "抽取式摘要" in text


async def test_empty_week_says_why_instead_of_silence(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        digest = await h.app.digests.build(await week_plan(h.app, "2024-W52"))
        h.hf.inject(*[Fault.error(503)] * 5)
        broken = await h.app.digests.build(await week_plan(h.app, "2024-W51"))
    assert digest.items == ()
    assert "No papers for Dec 23\u2009–\u200929, 2024" in (digest.empty_reason or "")
    assert "Hugging Face" in (broken.empty_reason or "")
    assert "No digest this week" in (broken.empty_reason or "")
