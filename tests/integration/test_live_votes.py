"""Live vote counts and one copy per channel, through the core with the real Slack ChatPort.

The app (`Paperboy.open`, real Redis) posts through the real `SlackChat` to the loopback Slack,
so every edit is a `chat.update` the fake records with its time. Short edit intervals keep the
tests quick; the assertions are about order and spacing, which slowness only widens.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.app import Paperboy
from bot.commands import CommandContext, Reply
from bot.domain import ChannelRef, MessageRef, ReactionChanged, Tally
from bot.render import shown_tally
from bot.services.live_votes import pack_message, unpack_message
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.harness import paperboy_app

TEAM = f"slack:{TEAM_ID}"
OTHER_TEAM = "slack:T0OTHER"
CHANNEL = ChannelRef(platform="slack", channel_id="C0PAPERS1")
PAPER = "2403.09629"
INTERVAL = 0.25
WAIT = 15.0
_events = itertools.count(1)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@contextlib.asynccontextmanager
async def live_app(redis_url: str, slack: FakeSlack, **overrides: Any) -> AsyncIterator[Paperboy]:
    settings = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "PAPERBOY_VOTE_EDIT_INTERVAL": INTERVAL,
        **overrides,
    }
    async with paperboy_app(redis_url, **settings) as h:
        yield h.app


@pytest.fixture
async def app(redis_url: str, redis: Redis, slack: FakeSlack) -> AsyncIterator[Paperboy]:
    async with live_app(redis_url, slack) as opened:
        yield opened


def ctx(channel: ChannelRef = CHANNEL, team: str = TEAM) -> CommandContext:
    return CommandContext(platform="slack", user="U0ASKER01", channel=channel, team=team)


async def post_answer(
    app: Paperboy, text: str = PAPER, *, channel: ChannelRef = CHANNEL, team: str = TEAM
) -> tuple[Reply, MessageRef | None]:
    """`/paper <text>` as an adapter runs it: the reply, posted (and reported) unless it is
    only for the asker."""
    reply = await app.command(ctx(channel, team), text)
    if reply.ephemeral:
        return reply, None
    ref = await app.chats["slack"].post(channel, reply.messages[0])
    await app.posted(team, ref, reply.messages[0])
    return reply, ref


async def react(
    app: Paperboy, ref: MessageRef, user: str, *, emoji: str = "+1", added: bool = True,
    team: str = TEAM,
) -> None:  # fmt: skip
    event = ReactionChanged(
        message=ref, user=user, emoji=emoji, added=added, event_id=f"Ev{next(_events)}", team=team
    )
    await app.reaction(event, platform="slack")


def vote_text(update: dict[str, Any]) -> str:
    """The vote line an update wrote (the context block that counts 👍)."""
    texts = [e["text"] for b in update["blocks"] if b["type"] == "context" for e in b["elements"]]
    return str(next(t for t in texts if "👍" in t))


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 (the fake runs in another thread)
            await asyncio.sleep(0.02)


async def settled(app: Paperboy) -> None:
    """Nothing left to edit: no edit in flight in `app`, none pending anywhere."""
    async with asyncio.timeout(WAIT):
        while app.live_votes.busy or await app.redis.zcard(keys.VOTE_EDITS):  # noqa: ASYNC110 (Redis)
            await asyncio.sleep(0.02)


def spaced(updates: list[dict[str, Any]], interval: float = INTERVAL) -> bool:
    times = [u["at"] for u in updates]
    return all(later - earlier >= interval * 0.95 for earlier, later in itertools.pairwise(times))


async def test_three_votes_move_the_count_once_the_interval_has_passed(
    app: Paperboy, slack: FakeSlack
) -> None:
    _, ref = await post_answer(app)
    assert ref is not None
    assert "👍 0 · 👎 0" in vote_text(slack.posted[-1])
    for user in ("U1", "U2", "U3"):
        await react(app, ref, user)
    await until(
        lambda: any("👍 3 · 👎 0" in vote_text(u) for u in slack.updates_of(ref.message_id))
    )
    await settled(app)
    updates = slack.updates_of(ref.message_id)
    assert "👍 3 · 👎 0" in vote_text(updates[-1])
    assert updates[-1]["channel"] == CHANNEL.channel_id
    assert spaced(updates)
    stored = await app.posts.load(TEAM, ref.key)
    assert stored is not None
    assert stored.shown == Tally(up=3)


async def test_a_burst_is_coalesced_and_the_last_count_is_written(
    app: Paperboy, slack: FakeSlack
) -> None:
    _, ref = await post_answer(app)
    assert ref is not None
    users = [f"U{i:02d}" for i in range(40)]
    for wave in (users[:20], users[20:]):
        await asyncio.gather(*(react(app, ref, u) for u in wave))
        await asyncio.sleep(INTERVAL / 2)  # the second wave lands while an edit is pending
    await asyncio.gather(*(react(app, ref, u, emoji="-1") for u in users[:5]))
    await until(
        lambda: any("👍 35 · 👎 5" in vote_text(u) for u in slack.updates_of(ref.message_id))
    )
    await settled(app)
    updates = slack.updates_of(ref.message_id)
    assert len(updates) < 10, "45 reactions must share a few edits"
    assert spaced(updates)
    assert "👍 35 · 👎 5" in vote_text(updates[-1])


def arms_of(monkeypatch: pytest.MonkeyPatch, app: Paperboy) -> list[str]:
    """The messages `app` tries to arm an edit for, one entry per attempt (a spy that arms)."""
    attempts: list[str] = []
    arm = app.live_votes._arm

    async def counted(team: str, message_key: str) -> bool:
        attempts.append(message_key)
        return await arm(team, message_key)

    monkeypatch.setattr(app.live_votes, "_arm", counted)
    return attempts


async def test_a_burst_of_votes_arms_the_edit_once(
    app: Paperboy, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ref = await post_answer(app)
    assert ref is not None
    arms = arms_of(monkeypatch, app)
    await asyncio.gather(*(react(app, ref, f"U{i:02d}") for i in range(20)))
    await until(lambda: any("👍 20" in vote_text(u) for u in slack.updates_of(ref.message_id)))
    await settled(app)
    assert arms == [ref.key]  # the votes after the first waited for its arm, not one arm each


async def test_votes_while_a_lost_arm_is_on_its_way_arm_once_more(
    app: Paperboy, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ref = await post_answer(app)
    assert ref is not None
    await redis.set(keys.vote_edit(TEAM, ref.key), "another process", px=60_000)
    arms = arms_of(monkeypatch, app)
    for _ in range(5):  # five votes in one turn: the first arms, the others find it on its way
        app.live_votes.changed(TEAM, ref)
    await until(lambda: not app.live_votes.busy)
    # Lost to the owner, who may have read the tally before those votes: armed once more
    # for all of them (and lost again), never once per vote.
    assert arms == [ref.key, ref.key]


async def test_a_removed_vote_that_restores_the_count_needs_no_edit(
    app: Paperboy, slack: FakeSlack
) -> None:
    _, ref = await post_answer(app)
    assert ref is not None
    await react(app, ref, "U1")
    await react(app, ref, "U1", added=False)
    await settled(app)
    assert slack.updates_of(ref.message_id) == []


async def test_several_processes_edit_each_message_at_most_once_per_interval(
    redis_url: str, redis: Redis, slack: FakeSlack
) -> None:
    async with live_app(redis_url, slack) as first, live_app(redis_url, slack) as second:
        _, ref = await post_answer(first)
        assert ref is not None
        for index in range(30):
            await react(first if index % 2 else second, ref, f"U{index:02d}")
            if index % 10 == 9:
                await asyncio.sleep(INTERVAL / 2)
        await until(lambda: any("👍 30" in vote_text(u) for u in slack.updates_of(ref.message_id)))
        await settled(first)
    updates = slack.updates_of(ref.message_id)
    assert spaced(updates)
    assert "👍 30 · 👎 0" in vote_text(updates[-1])


async def test_a_restart_does_not_lose_the_last_count(
    redis_url: str, redis: Redis, slack: FakeSlack
) -> None:
    async with live_app(redis_url, slack, PAPERBOY_VOTE_EDIT_INTERVAL=30) as before:
        _, ref = await post_answer(before)
        assert ref is not None
        for user in ("U1", "U2"):
            await react(before, ref, user)
        await until(lambda: len(before.live_votes._owned) == 1)
    assert slack.updates_of(ref.message_id) == []  # stopped long before its edit was due
    assert await redis.zcard(keys.VOTE_EDITS) == 1
    await redis.zadd(keys.VOTE_EDITS, {f"{TEAM}\t{ref.key}": 0})  # as if 30 s had passed
    async with live_app(redis_url, slack) as after:
        await until(lambda: bool(slack.updates_of(ref.message_id)))
        await settled(after)
    assert "👍 2 · 👎 0" in vote_text(slack.updates_of(ref.message_id)[-1])


async def test_another_teams_votes_never_show(app: Paperboy, slack: FakeSlack) -> None:
    ours = (await post_answer(app))[1]
    other_channel = ChannelRef(platform="slack", channel_id="C0ELSEWHERE")
    theirs = (await post_answer(app, channel=other_channel, team=OTHER_TEAM))[1]
    assert ours is not None
    assert theirs is not None
    for user in ("U1", "U2"):
        await react(app, theirs, user, team=OTHER_TEAM)
    await react(app, ours, "U9", emoji="-1")
    await until(lambda: bool(slack.updates_of(ours.message_id)))
    await until(lambda: bool(slack.updates_of(theirs.message_id)))
    await settled(app)
    assert "👍 0 · 👎 1" in vote_text(slack.updates_of(ours.message_id)[-1])
    assert "👍 2 · 👎 0" in vote_text(slack.updates_of(theirs.message_id)[-1])


async def test_a_deleted_message_is_forgotten_quietly(app: Paperboy, slack: FakeSlack) -> None:
    _, ref = await post_answer(app)
    assert ref is not None
    slack.deleted.add(ref.message_id)
    await react(app, ref, "U1")
    await settled(app)
    assert slack.api_calls("chat.update")  # tried, and told the message is gone
    assert await app.posts.load(TEAM, ref.key) is None
    assert not await app.redis.exists(keys.vote_edit(TEAM, ref.key))


async def test_a_digest_entry_follows_its_votes(app: Paperboy, slack: FakeSlack) -> None:
    shared = MessageRef(channel=CHANNEL, message_id="1710000000.000100")
    yesterday = app.clock() - timedelta(days=1)  # inside the week the digest covers
    await app.channels.record_shared(TEAM, shared, [PAPER], at=yesterday)
    due = await app.due_now(CHANNEL)
    delivery = await app.deliver(due)
    assert delivery.posted >= 2
    entry = next(p for p in slack.posted if "👍 0" in str(p.get("blocks")))
    ref = MessageRef(channel=CHANNEL, message_id=entry["ts"])
    await react(app, ref, "U1")
    await until(lambda: bool(slack.updates_of(entry["ts"])))
    assert "👍 1 · 👎 0" in vote_text(slack.updates_of(entry["ts"])[-1])


# -- one copy per channel ------------------------------------------------------------------------
async def test_a_second_ask_in_the_channel_links_to_the_first_post(
    app: Paperboy, slack: FakeSlack
) -> None:
    _, first = await post_answer(app)
    assert first is not None
    await react(app, first, "U1")
    again, posted = await post_answer(app, "https://arxiv.org/abs/2403.09629v1")
    assert posted is None
    assert again.ephemeral
    assert again.ok
    shown = " ".join(str(b) for m in again.messages for b in m.blocks)
    assert f"https://example.slack.com/archives/{CHANNEL.channel_id}/p" in shown
    assert first.message_id.replace(".", "") in shown
    assert "👍 1 · 👎 0" in shown
    assert "--again" in shown
    assert app.summarizer is not None
    assert len(slack.posted) == 1


async def test_again_posts_a_new_copy_which_later_asks_link_to(
    app: Paperboy, slack: FakeSlack
) -> None:
    _, first = await post_answer(app)
    _, second = await post_answer(app, f"{PAPER} --again")
    assert first is not None
    assert second is not None
    assert second != first
    reply, _ = await post_answer(app, PAPER)
    shown = " ".join(str(b) for m in reply.messages for b in m.blocks)
    assert second.message_id.replace(".", "") in shown


async def test_other_channels_and_teams_get_their_own_copy(app: Paperboy) -> None:
    assert (await post_answer(app))[1] is not None
    elsewhere = ChannelRef(platform="slack", channel_id="C0ELSEWHERE")
    assert (await post_answer(app, channel=elsewhere))[1] is not None
    assert (await post_answer(app, team=OTHER_TEAM))[1] is not None


async def test_asks_racing_the_first_post_do_not_post_copies(app: Paperboy) -> None:
    replies = await asyncio.gather(*(app.command(ctx(), PAPER) for _ in range(6)))
    posting = [r for r in replies if not r.ephemeral]
    assert len(posting) == 1
    assert all(r.ok for r in replies)


async def test_a_failed_look_up_does_not_block_the_next_ask(app: Paperboy) -> None:
    failed = await app.command(ctx(), "2403.99999")  # unknown to the fake arXiv
    assert not failed.ok
    assert not await app.redis.exists(keys.channel_paper(TEAM, CHANNEL.key, "2403.99999"))


async def test_stored_messages_round_trip(app: Paperboy) -> None:
    reply = await app.command(ctx(), PAPER)
    message = reply.messages[0]
    assert unpack_message(pack_message(message)) == message
    assert shown_tally(message) == Tally()
