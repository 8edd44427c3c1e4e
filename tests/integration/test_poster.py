"""Exactly-once, resumable digest delivery over a real Redis.

The chat side here is a recording ChatPort (the Slack and Discord adapters have their own tests
against loopback fakes of the real platforms); what is under test is the delivery ledger.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.domain import ChannelRef, Digest, DigestItem, MessageRef, Summary
from bot.render import RichMessage
from bot.services.poster import DigestPoster, Outcome
from bot.services.schedule import DueDigest
from tests.harness import channel_store, sample_papers

CH = ChannelRef(platform="slack", channel_id="C1")
WEEK = "2024-W11"
TEAM = "slack:T1"
DUE = DueDigest(CH, WEEK, datetime(2024, 3, 11, 9, tzinfo=UTC), late=False, team=TEAM)


@dataclass
class RecordingChat:
    platform: str = "slack"
    posted: list[RichMessage] = field(default_factory=list)
    fail_after: int | None = None
    pause: float = 0.0

    async def post(self, channel: ChannelRef, message: RichMessage) -> MessageRef:
        if self.fail_after is not None and len(self.posted) >= self.fail_after:
            raise ConnectionError("worker killed mid-digest")
        await asyncio.sleep(self.pause)
        self.posted.append(message)
        return MessageRef(channel=channel, message_id=f"ts{len(self.posted)}")


def digest(n: int = 4) -> Digest:
    items = tuple(
        DigestItem(
            paper=p,
            summary=Summary(arxiv_id=p.arxiv_id, tldr="t.", source="extractive"),
            score=1.0,
            why="new this week",
        )
        for p in sample_papers()[:n]
    )
    return Digest(
        channel=CH, week=WEEK, language="en", trend="Trend.", trend_source="llm", items=items
    )


async def test_posts_once_and_maps_paper_messages(redis: Redis) -> None:
    poster = DigestPoster(redis, channel_store(redis))
    chat = RecordingChat()
    builds = 0

    async def build() -> Digest:
        nonlocal builds
        builds += 1
        return digest()

    first = await poster.deliver(chat, DUE, build)
    second = await poster.deliver(chat, DUE, build)
    assert (first.outcome, first.posted) == (Outcome.POSTED, 5)
    assert second.outcome == Outcome.ALREADY_DONE
    assert builds == 1
    assert len(chat.posted) == 5
    store = channel_store(redis)
    assert await store.paper_for(TEAM, MessageRef(channel=CH, message_id="ts1")) is None  # header
    assert (
        await store.paper_for(TEAM, MessageRef(channel=CH, message_id="ts2"))
        == digest().items[0].paper.arxiv_id
    )


async def test_concurrent_workers_post_one_digest(redis_url: str) -> None:
    chat = RecordingChat(pause=0.01)
    clients = [Redis.from_url(redis_url) for _ in range(3)]
    posters = [DigestPoster(c, channel_store(c)) for c in clients]

    async def build() -> Digest:
        return digest()

    results = await asyncio.gather(*(p.deliver(chat, DUE, build) for p in posters))
    for client in clients:
        await client.aclose()
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count(Outcome.POSTED) == 1
    assert len(chat.posted) == 5


async def test_killed_mid_digest_resumes_without_repeating(redis: Redis) -> None:
    poster = DigestPoster(redis, channel_store(redis))
    dying = RecordingChat(fail_after=2)

    async def build() -> Digest:
        return digest()

    with pytest.raises(ConnectionError):
        await poster.deliver(dying, DUE, build)
    restarted = RecordingChat()

    async def different() -> Digest:  # a rebuild would differ; the stored content is reused
        return digest(1)

    result = await poster.deliver(restarted, DUE, different)
    assert result.posted == 3
    posted = [m.fallback for m in dying.posted + restarted.posted]
    assert len(posted) == len(set(posted)) == 5
