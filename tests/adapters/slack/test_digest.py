"""Digests through the Slack ChatPort and the core's DigestPoster: header, one message per
paper, every message within Slack's limits, long text split between sentences, votes mapped."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain import ChannelRef, Digest, DigestItem, Paper, Summary, Tally
from bot.services.poster import DigestPoster, Outcome
from bot.services.schedule import DueDigest
from tests.adapters.slack.conftest import CHANNEL, TEAM, SlackBed, reaction_body, tally
from tests.adapters.slack.test_commands import texts
from tests.fakes.slack import block_errors

WEEK = "2024-W11"
# The Monday run after ISO week 2024-W11: it covers Mar 11 to 17, 2024.
DUE = DueDigest(
    ChannelRef(platform="slack", channel_id=CHANNEL),
    "2024-W12",
    datetime(2024, 3, 18, 9, tzinfo=UTC),
    late=False,
    team=TEAM,
)
SENTENCE = "Models that pause to think answer better & faster than <those> that do not. "


def item(i: int, tldr: str) -> DigestItem:
    paper = Paper(
        arxiv_id=f"2403.0000{i}",
        version=1,
        title=f"Paper number {i}",
        abstract="An abstract.",
        published=datetime(2024, 3, 11, tzinfo=UTC),
    )
    summary = Summary(
        arxiv_id=paper.arxiv_id, tldr=tldr, key_points=("A point.",), tags=("#reasoning",)
    )
    return DigestItem(paper=paper, summary=summary, score=1.0 / i, why="new this week")


def digest() -> Digest:
    channel = ChannelRef(platform="slack", channel_id=CHANNEL)
    items = (item(1, "Short and sweet."), item(2, (SENTENCE * 140).strip()), item(3, "Third."))
    return Digest(
        channel=channel,
        week=WEEK,
        language="en",
        first=date(2024, 3, 11),
        last=date(2024, 3, 17),
        trend=(SENTENCE * 50).strip(),
        trend_source="llm",
        items=items,
    )


async def test_digest_is_posted_once_in_order_within_limits(bed: SlackBed) -> None:
    poster = DigestPoster(bed.h.app.redis, bed.h.app.channels)

    async def build() -> Digest:
        return digest()

    delivery = await poster.deliver(bed.adapter.chat, DUE, build)
    assert (delivery.outcome, delivery.posted) == (Outcome.POSTED, 4)
    posts = bed.slack.posted
    assert len(posts) >= 5  # the 10k-character TL;DR needs a second message
    for post in posts:
        assert block_errors(post["blocks"]) == []
        assert post["unfurl_links"] is False
    assert posts[0]["blocks"][0]["type"] == "header"
    long_sections = [t for p in posts for t in texts(p["blocks"]) if "pause to think" in t]
    assert len(long_sections) >= 5
    for section in long_sections:
        assert section.removeprefix("*TL;DR*\n").startswith("Models that pause")
        assert section.endswith("that do not.")
    again = await poster.deliver(bed.adapter.chat, DUE, build)
    assert again.outcome == Outcome.ALREADY_DONE
    assert len(bed.slack.posted) == len(posts)


async def test_digest_paper_messages_take_votes(bed: SlackBed) -> None:
    poster = DigestPoster(bed.h.app.redis, bed.h.app.channels)

    async def build() -> Digest:
        return digest()

    await poster.deliver(bed.adapter.chat, DUE, build)
    first_of_paper_3 = next(p["ts"] for p in bed.slack.posted if "Paper number 3" in p["text"])
    await bed.event(reaction_body(first_of_paper_3, user="U0VOTER01", emoji="fire"))
    assert await tally(bed.h.app, "2403.00003") == Tally(up=1)
