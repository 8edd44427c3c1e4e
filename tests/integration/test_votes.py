import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.domain import ChannelRef, MessageRef, Tally
from bot.services.channels import ChannelStore
from bot.services.votes import VoteStore

W10 = datetime(2024, 3, 6, tzinfo=UTC)
W11 = datetime(2024, 3, 13, tzinfo=UTC)
P = "2403.09629"


@pytest.fixture
def votes(redis: Redis) -> VoteStore:
    return VoteStore(redis)


async def test_one_vote_per_user_and_idempotent(votes: VoteStore) -> None:
    for _ in range(3):
        change = await votes.record_vote(P, "U1", 1, platform="slack", emoji="👍", at=W11)
    assert change.tally == Tally(up=1, down=0)
    assert not change.changed
    await votes.record_vote(P, "U2", 1, platform="slack", emoji="👍", at=W11)
    assert await votes.tally(P) == Tally(up=2, down=0)


async def test_switching_up_to_down_holds_one_vote(votes: VoteStore) -> None:
    await votes.record_vote(P, "U1", 1, platform="slack", emoji="👍", at=W11)
    change = await votes.record_vote(P, "U1", -1, platform="slack", emoji="👎", at=W11)
    assert (change.previous, change.current) == (1, -1)
    assert change.tally == Tally(up=0, down=1)
    # Taking the 👎 away restores the 👍 that is still on the message.
    change = await votes.remove_vote(P, "U1", platform="slack", emoji="👎", at=W11)
    assert change.current == 1
    assert change.tally == Tally(up=1, down=0)
    change = await votes.remove_vote(P, "U1", platform="slack", emoji="👍", at=W11)
    assert change.tally == Tally()
    assert await votes.user_vote(P, "U1", platform="slack") == 0


async def test_two_up_emoji_stay_one_vote_until_both_go(votes: VoteStore) -> None:
    await votes.record_vote(P, "U1", 1, platform="slack", emoji="👍", at=W11)
    await votes.record_vote(P, "U1", 1, platform="slack", emoji="🔥", at=W11)
    assert await votes.tally(P) == Tally(up=1)
    await votes.remove_vote(P, "U1", platform="slack", emoji="👍", at=W11)
    assert await votes.tally(P) == Tally(up=1)
    await votes.remove_vote(P, "U1", platform="slack", emoji="🔥", at=W11)
    assert await votes.tally(P) == Tally()


async def test_removing_a_reaction_never_added_changes_nothing(votes: VoteStore) -> None:
    change = await votes.remove_vote(P, "U9", platform="discord", emoji="👍", at=W11)
    assert change.tally == Tally()
    assert not change.changed


async def test_slack_and_discord_share_one_ledger(votes: VoteStore) -> None:
    await votes.record_vote(P, "U1", 1, platform="slack", at=W11)
    await votes.record_vote(P, "803912331233886208", 1, platform="discord", at=W11)
    await votes.record_vote(P, "U1", 1, platform="discord", at=W11)  # a different person
    assert await votes.tally(P) == Tally(up=3)


async def test_weekly_and_all_time_leaderboards_agree(votes: VoteStore) -> None:
    await votes.record_vote("A", "u1", 1, platform="slack", at=W10)
    await votes.record_vote("A", "u2", 1, platform="slack", at=W11)
    await votes.record_vote("B", "u1", 1, platform="slack", at=W11)
    await votes.record_vote("B", "u3", 1, platform="slack", at=W11)
    await votes.record_vote("C", "u1", -1, platform="slack", at=W11)
    assert await votes.leaderboard("2024-W11") == [("B", Tally(up=2)), ("A", Tally(up=1))]
    assert await votes.leaderboard("2024-W10") == [("A", Tally(up=1))]
    assert await votes.leaderboard(None) == [("A", Tally(up=2)), ("B", Tally(up=2))]  # ties by id
    # A W10 vote withdrawn in W11 is taken off W10, where it was counted.
    await votes.remove_vote("A", "u1", platform="slack", at=W11)
    assert await votes.leaderboard("2024-W10") == []
    assert await votes.tallies(["A", "B", "C"], "2024-W11") == {
        "A": Tally(up=1),
        "B": Tally(up=2),
        "C": Tally(down=1),
    }


async def test_concurrent_votes_are_exact(votes: VoteStore) -> None:
    users = [f"u{i}" for i in range(200)]
    await asyncio.gather(*(votes.record_vote(P, u, 1, platform="slack", at=W11) for u in users))
    await asyncio.gather(
        *(votes.record_vote(P, u, -1, platform="slack", emoji="👎", at=W11) for u in users[:50])
    )
    assert await votes.tally(P) == Tally(up=150, down=50)


def recording(redis_url: str) -> tuple[Redis, list[list[str]]]:
    """A real client whose connections keep what they write: one entry per round trip (a
    write, then its replies), listing the commands it carried."""
    writes: list[list[str]] = []
    client = Redis.from_url(redis_url)
    base = client.connection_pool.connection_class

    class Recording(base):  # type: ignore[valid-type,misc]
        async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            raw = command if isinstance(command, bytes) else b"".join(command)
            writes.append([name.decode() for name in COMMAND.findall(raw)])
            await super().send_packed_command(command, check_health)

    client.connection_pool.connection_class = Recording
    return client, writes


COMMAND = re.compile(rb"(?:^|\r\n)\*\d+\r\n\$\d+\r\n([A-Z]+)\r\n")


async def test_a_vote_is_one_round_trip(redis_url: str, redis: Redis) -> None:
    client, writes = recording(redis_url)
    votes = VoteStore(client)
    await votes.record_vote(P, "warm", 1, platform="slack", at=W11)  # loads the script
    writes.clear()
    await votes.record_vote(P, "u1", 1, platform="slack", at=W11)
    await votes.remove_vote(P, "u1", platform="slack", at=W11)
    assert writes == [["EVALSHA"], ["EVALSHA"]]
    await client.aclose()


async def test_votes_cast_at_once_share_round_trips_and_stay_exact(
    redis_url: str, redis: Redis
) -> None:
    client, writes = recording(redis_url)
    votes = VoteStore(client)
    await votes.record_vote(P, "warm", 1, platform="slack", at=W11)
    writes.clear()
    before = votes.pipelines
    users = [f"U{i}" for i in range(200)]
    changes = await asyncio.gather(
        *(
            votes.record_vote(P, u, 1 if i % 4 else -1, platform="slack", at=W11)
            for i, u in enumerate(users)
        )
    )
    await client.aclose()
    assert [c.user for c in changes] == [f"slack:{u}" for u in users]  # each caller its own reply
    assert await VoteStore(redis).tally(P) == Tally(up=1 + 150, down=50)
    assert sum(len(w) for w in writes) == 200  # one EVALSHA per vote...
    assert len(writes) <= 3  # ...in a handful of round trips, not 200
    assert votes.pipelines - before == len(writes)


async def test_bad_value_is_refused(votes: VoteStore) -> None:
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        await votes.record_vote(P, "u1", 2, platform="slack")


async def test_a_reaction_is_one_round_trip_with_lookup_and_dedup(
    redis_url: str, redis: Redis
) -> None:
    msg = MessageRef(channel=ChannelRef(platform="slack", channel_id="C1"), message_id="1.2")
    await ChannelStore(redis).map_message(msg, P)
    client, writes = recording(redis_url)
    votes = VoteStore(client)
    await votes.record_reaction(msg, "warm", "👍", 1, added=False, at=W11)  # loads the script
    writes.clear()
    first = await votes.record_reaction(msg, "U1", "👍", 1, added=True, event_id="Ev1", at=W11)
    retry = await votes.record_reaction(msg, "U1", "👍", 1, added=True, event_id="Ev1", at=W11)
    elsewhere = await votes.record_reaction(
        MessageRef(channel=msg.channel, message_id="9.9"), "U1", "👍", 1, added=True, at=W11
    )
    removed = await votes.record_reaction(msg, "U1", "👍", 1, added=False, event_id="Ev2", at=W11)
    await client.aclose()
    assert first is not None
    assert (first.arxiv_id, first.user, first.tally) == (P, "slack:U1", Tally(up=1))
    assert retry is None
    assert elsewhere is None
    assert removed is not None
    assert removed.tally == Tally()
    assert writes == [["EVALSHA"]] * 4
