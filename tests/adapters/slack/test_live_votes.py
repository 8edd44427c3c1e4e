"""Through the real Bolt app: reaction events move the vote count on the paper message, by
`chat.update` calls coalesced per message, after the edit interval."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot import keys
from tests.adapters.slack.conftest import TEAM, SlackBed, reaction_body, slack_bed
from tests.fakes.slack import FakeSlack

INTERVAL = 0.25
WAIT = 15.0


def live_bed(redis_url: str, slack: FakeSlack) -> AbstractAsyncContextManager[SlackBed]:
    """tests/adapters/slack/conftest.py's bed with a short vote-edit interval."""
    return slack_bed(redis_url, slack, PAPERBOY_VOTE_EDIT_INTERVAL=INTERVAL)


@pytest.fixture
async def bed(redis_url: str, redis: aioredis.Redis, slack: FakeSlack) -> AsyncIterator[SlackBed]:
    async with live_bed(redis_url, slack) as opened:
        yield opened


def vote_text(message: dict[str, Any]) -> str:
    texts = [e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"]]
    return str(next(t for t in texts if "👍" in t))


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 (the fake runs in another thread)
            await asyncio.sleep(0.02)


async def settled(bed: SlackBed) -> None:
    live = bed.h.app.live_votes
    async with asyncio.timeout(WAIT):
        while live.busy or await bed.h.app.redis.zcard(keys.VOTE_EDITS):  # noqa: ASYNC110 (Redis)
            await asyncio.sleep(0.02)


def shows(bed: SlackBed, ts: str, line: str) -> bool:
    return any(line in vote_text(u) for u in bed.slack.updates_of(ts))


async def test_three_reactions_move_the_count_on_the_message(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    assert "👍 0 · 👎 0" in vote_text(bed.slack.posted[-1])
    for user in ("U0000001", "U0000002", "U0000003"):
        assert (await bed.event(reaction_body(ts, user=user))).status == 200
    await until(lambda: shows(bed, ts, "👍 3 · 👎 0"))
    await settled(bed)
    updates = bed.slack.updates_of(ts)
    assert "👍 3 · 👎 0" in vote_text(updates[-1])
    assert all(u["channel"] == bed.slack.posted[-1]["channel"] for u in updates)
    assert all(u["text"] == bed.slack.posted[-1]["text"] for u in updates)  # only votes move


async def test_a_burst_makes_at_most_one_edit_per_interval_and_ends_on_the_final_count(
    bed: SlackBed,
) -> None:
    ts = await bed.posted_paper()
    users = [f"U{i:07d}" for i in range(24)]
    answers = await asyncio.gather(*(bed.event(reaction_body(ts, user=u)) for u in users))
    assert {a.status for a in answers} == {200}
    await asyncio.gather(
        *(bed.event(reaction_body(ts, user=u, emoji="thumbsdown")) for u in users[:4])
    )
    await until(lambda: shows(bed, ts, "👍 20 · 👎 4"))
    await settled(bed)
    updates = bed.slack.updates_of(ts)
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(updates)]
    assert all(gap >= INTERVAL * 0.95 for gap in gaps), gaps
    assert len(updates) < len(users) // 2
    assert "👍 20 · 👎 4" in vote_text(updates[-1])


async def test_a_vote_from_another_workspace_is_not_counted_or_shown(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    foreign = reaction_body(ts, user="U0FOREIGN")
    foreign["team_id"] = "T0FOREIGN"
    for authorization in foreign.get("authorizations") or []:
        authorization["team_id"] = "T0FOREIGN"
    await bed.event(foreign)
    await bed.event(reaction_body(ts, user="U0000001", emoji="-1"))
    await until(lambda: shows(bed, ts, "👍 0 · 👎 1"))
    await settled(bed)
    assert all("👍 0 · 👎 1" in vote_text(u) for u in bed.slack.updates_of(ts))
    assert TEAM == "slack:T0001"
