"""The vote ledger on a real Redis: one vote per user per paper and team, linked teams' reads."""

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.domain import ChannelRef, MessageRef, Tally
from bot.services.teams import TeamStore
from bot.services.votes import VoteStore
from tests.harness import user_vote, vote

W10 = datetime(2024, 3, 6, tzinfo=UTC)
W11 = datetime(2024, 3, 13, tzinfo=UTC)
P = "2403.09629"
T = "slack:T1"
LEDGER = (T,)


@pytest.fixture
def votes(redis: Redis) -> VoteStore:
    return VoteStore(redis)


async def test_one_vote_per_user_and_idempotent(redis: Redis, votes: VoteStore) -> None:
    for _ in range(3):
        change = await vote(redis, votes, P, "U1", 1, emoji="👍", at=W11)
    assert change.tally == Tally(up=1, down=0)
    assert not change.changed
    await vote(redis, votes, P, "U2", 1, emoji="👍", at=W11)
    assert await votes.tally(LEDGER, P) == Tally(up=2, down=0)


async def test_switching_up_to_down_holds_one_vote(redis: Redis, votes: VoteStore) -> None:
    await vote(redis, votes, P, "U1", 1, emoji="👍", at=W11)
    change = await vote(redis, votes, P, "U1", -1, emoji="👎", at=W11)
    assert (change.previous, change.current) == (1, -1)
    assert change.tally == Tally(up=0, down=1)
    # Taking the 👎 away restores the 👍 that is still on the message.
    change = await vote(redis, votes, P, "U1", -1, emoji="👎", added=False, at=W11)
    assert change.current == 1
    assert change.tally == Tally(up=1, down=0)
    change = await vote(redis, votes, P, "U1", 1, emoji="👍", added=False, at=W11)
    assert change.tally == Tally()
    assert await user_vote(redis, T, P, "U1") == 0


async def test_two_up_emoji_stay_one_vote_until_both_go(redis: Redis, votes: VoteStore) -> None:
    await vote(redis, votes, P, "U1", 1, emoji="👍", at=W11)
    await vote(redis, votes, P, "U1", 1, emoji="🔥", at=W11)
    assert await votes.tally(LEDGER, P) == Tally(up=1)
    await vote(redis, votes, P, "U1", 1, emoji="👍", added=False, at=W11)
    assert await votes.tally(LEDGER, P) == Tally(up=1)
    await vote(redis, votes, P, "U1", 1, emoji="🔥", added=False, at=W11)
    assert await votes.tally(LEDGER, P) == Tally()


async def test_removing_a_reaction_never_added_changes_nothing(
    redis: Redis, votes: VoteStore
) -> None:
    change = await vote(redis, votes, P, "U9", 1, team="discord:1", added=False, at=W11)
    assert change.tally == Tally()
    assert not change.changed


async def test_teams_keep_their_own_tallies_until_linked(redis: Redis, votes: VoteStore) -> None:
    teams = TeamStore(redis)
    slack, server_a, server_b = "slack:T1", "discord:100", "discord:200"
    await vote(redis, votes, P, "U1", 1, team=slack, at=W11)
    await vote(redis, votes, P, "803912331233886208", 1, team=server_a, at=W11)
    await vote(redis, votes, P, "803912331233886208", -1, team=server_b, at=W11)
    await vote(redis, votes, P, "U1", 1, team=server_b, at=W11)  # a different person
    assert await votes.tally(await teams.ledger(slack), P) == Tally(up=1)
    assert await votes.tally(await teams.ledger(server_a), P) == Tally(up=1)
    assert await votes.tally(await teams.ledger(server_b), P) == Tally(up=1, down=1)
    assert await votes.leaderboard(await teams.ledger(server_b)) == []  # net 0
    await teams.link(slack, server_a)
    assert await teams.ledger(server_a) == (server_a, slack)
    assert await votes.tally(await teams.ledger(slack), P) == Tally(up=2)
    assert await votes.leaderboard(await teams.ledger(slack)) == [(P, Tally(up=2))]
    assert await votes.tally(await teams.ledger(server_b), P) == Tally(up=1, down=1)
    await teams.unlink(server_a)
    assert await votes.tally(await teams.ledger(slack), P) == Tally(up=1)
    assert await votes.tally(await teams.ledger(server_a), P) == Tally(up=1)
    assert await teams.groups() == []


async def test_weekly_and_all_time_leaderboards_agree(redis: Redis, votes: VoteStore) -> None:
    await vote(redis, votes, "A", "u1", 1, at=W10)
    await vote(redis, votes, "A", "u2", 1, at=W11)
    await vote(redis, votes, "B", "u1", 1, at=W11)
    await vote(redis, votes, "B", "u3", 1, at=W11)
    await vote(redis, votes, "C", "u1", -1, at=W11)
    assert await votes.leaderboard(LEDGER, "2024-W11") == [("B", Tally(up=2)), ("A", Tally(up=1))]
    assert await votes.leaderboard(LEDGER, "2024-W10") == [("A", Tally(up=1))]
    assert await votes.leaderboard(LEDGER, None) == [("A", Tally(up=2)), ("B", Tally(up=2))]
    # A W10 vote withdrawn in W11 is taken off W10, where it was counted.
    await vote(redis, votes, "A", "u1", 1, added=False, at=W11)
    assert await votes.leaderboard(LEDGER, "2024-W10") == []
    assert await votes.tallies(LEDGER, ["A", "B", "C"], "2024-W11") == {
        "A": Tally(up=1),
        "B": Tally(up=2),
        "C": Tally(down=1),
    }


async def test_concurrent_votes_are_exact(redis: Redis, votes: VoteStore) -> None:
    users = [f"u{i}" for i in range(200)]
    await asyncio.gather(*(vote(redis, votes, P, u, 1, at=W11) for u in users))
    await asyncio.gather(*(vote(redis, votes, P, u, -1, emoji="👎", at=W11) for u in users[:50]))
    assert await votes.tally(LEDGER, P) == Tally(up=150, down=50)


async def test_tallies_of_many_papers_are_one_round_trip(redis_url: str, redis: Redis) -> None:
    votes = VoteStore(redis)
    await vote(redis, votes, "paper-3", "u1", 1)
    client, writes = recording(redis_url)
    ids = [f"paper-{i}" for i in range(5000)]
    tallies = await VoteStore(client).tallies(("slack:T1", "discord:1"), ids)
    await client.aclose()
    assert tallies["paper-3"] == Tally(up=1)
    assert len(writes) == 1  # one pipeline: an HMGET per team and chunk of papers
    assert writes[0] == ["HMGET"] * 6


def recording(redis_url: str) -> tuple[Redis, list[list[str]]]:
    """A real client whose connections keep what they write: one entry per round trip (a
    write, then its replies), listing the commands it carried."""
    writes: list[list[str]] = []
    client = Redis.from_url(redis_url)
    base = client.connection_pool.connection_class

    class Recording(base):  # type: ignore[valid-type,misc]
        async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            raw = command if isinstance(command, bytes) else b"".join(command)
            names = [name.decode() for name in COMMAND.findall(raw)]
            if names != ["CLIENT"]:  # a new connection's handshake (CLIENT SETINFO), not ours
                writes.append(names)
            await super().send_packed_command(command, check_health)

    client.connection_pool.connection_class = Recording
    return client, writes


COMMAND = re.compile(rb"(?:^|\r\n)\*\d+\r\n\$\d+\r\n([A-Z]+)\r\n")


async def test_a_vote_is_one_round_trip(redis_url: str, redis: Redis) -> None:
    client, writes = recording(redis_url)
    votes = VoteStore(client)
    await vote(redis, votes, P, "warm", 1, at=W11)  # loads the script
    writes.clear()
    await vote(redis, votes, P, "u1", 1, at=W11)
    await vote(redis, votes, P, "u1", 1, added=False, at=W11)
    assert writes == [["EVALSHA"], ["EVALSHA"]]
    await client.aclose()


async def test_votes_cast_at_once_share_round_trips_and_stay_exact(
    redis_url: str, redis: Redis
) -> None:
    client, writes = recording(redis_url)
    votes = VoteStore(client)
    warm = await vote(redis, votes, P, "warm", 1, at=W11)  # maps the message, loads the script
    assert warm.current == 1
    message = MessageRef(
        channel=ChannelRef(platform="slack", channel_id="C-votes"), message_id=f"m-{P}"
    )
    writes.clear()
    before = votes.round_trips
    users = [f"U{i}" for i in range(200)]
    changes = await asyncio.gather(
        *(
            votes.record_reaction(
                T, message, u, "👍" if i % 4 else "👎", 1 if i % 4 else -1, added=True, at=W11
            )
            for i, u in enumerate(users)
        )
    )
    await client.aclose()
    assert [c.user for c in changes if c] == [f"slack:{u}" for u in users]  # each its own reply
    assert await VoteStore(redis).tally(LEDGER, P) == Tally(up=1 + 150, down=50)
    assert all(w == ["EVALSHA"] for w in writes)  # one EVALSHA carries many votes...
    assert len(writes) <= 3  # ...in a handful of round trips, not 200
    assert votes.round_trips - before == len(writes)


async def test_bad_value_is_refused(redis: Redis, votes: VoteStore) -> None:
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        await vote(redis, votes, P, "u1", 2)


async def test_a_reaction_is_one_round_trip_with_lookup_and_dedup(
    redis_url: str, redis: Redis
) -> None:
    msg = MessageRef(channel=ChannelRef(platform="slack", channel_id="C1"), message_id="1.2")
    await vote(redis, VoteStore(redis), "other", "nobody", 1)  # the helper's map, elsewhere
    await redis.set(f"pb:t:{T}:msg:{msg.key}", P)
    client, writes = recording(redis_url)
    votes = VoteStore(client)
    await votes.record_reaction(T, msg, "warm", "👍", 1, added=False, at=W11)  # loads the script
    writes.clear()
    first = await votes.record_reaction(T, msg, "U1", "👍", 1, added=True, event_id="Ev1", at=W11)
    retry = await votes.record_reaction(T, msg, "U1", "👍", 1, added=True, event_id="Ev1", at=W11)
    elsewhere = await votes.record_reaction(
        T, MessageRef(channel=msg.channel, message_id="9.9"), "U1", "👍", 1, added=True, at=W11
    )
    other_team = await votes.record_reaction("slack:T2", msg, "U1", "👍", 1, added=True, at=W11)
    removed = await votes.record_reaction(
        T, msg, "U1", "👍", 1, added=False, event_id="Ev2", at=W11
    )
    await client.aclose()
    assert first is not None
    assert (first.arxiv_id, first.user, first.tally) == (P, "slack:U1", Tally(up=1))
    assert retry is None
    assert elsewhere is None
    assert other_team is None  # the message map is the team's: another team's event finds nothing
    assert removed is not None
    assert removed.tally == Tally()
    assert writes == [["EVALSHA"]] * 5
