"""Votes recorded per second through `VoteStore.record_reaction`, and how that grows.

Usage: python -m bench.votes_bench [--votes 10000] [--concurrency 64] [--reps 5]

Ours: `--votes` reactions on 500 mapped paper messages of one team from `--concurrency`
concurrent callers (one Lua script per reaction: message -> paper, event dedup, the vote, the
tallies, both leaderboards; the reactions cast while a round trip is out share the next one), the
tallies checked exact after each run. The anchor, interleaved with every run on the same server
and client (Paperboy's: hiredis packing, uvloop): the same number of plain `INCR`s from as many
concurrent callers, one round trip each. Measured with 1k, 100k and 1M votes already stored
(the ledger's size must not matter), then one caller alone: a vote's latency beside one INCR's,
its round trips and the Redis commands its script runs (INFO commandstats).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from bench._common import redis_url
from bench._report import REPS, paired, spread, table
from bot import keys
from bot.domain import ChannelRef, MessageRef
from bot.services import aio
from bot.services.redis_client import connect
from bot.services.votes import VoteStore

TEAM = "slack:T0VOTES"
PAPERS = 500
MESSAGES = [
    MessageRef(channel=ChannelRef(platform="slack", channel_id="C0VOTES"), message_id=f"{p}.0")
    for p in range(PAPERS)
]


def paper(p: int) -> str:
    return f"2403.{p:05d}"


async def map_messages(redis: Redis) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for p, message in enumerate(MESSAGES):
            pipe.set(keys.message(TEAM, message.key), paper(p))
        await pipe.execute()


async def concurrently(count: int, callers: int, one: Callable[[int], Awaitable[object]]) -> float:
    """`one(i)` for i in range(count) from `callers` tasks; calls per second."""
    queue = iter(range(count))

    async def caller() -> None:
        for i in queue:
            await one(i)

    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return count / (time.perf_counter() - start)


class Ledger:
    """Votes cast so far, by user serial: each vote is a new user, up or down by serial."""

    def __init__(self, store: VoteStore) -> None:
        self.store = store
        self.cast = 0

    async def vote(self, serial: int) -> None:
        value = 1 if serial % 7 else -1
        await self.store.record_reaction(
            TEAM,
            MESSAGES[serial % PAPERS],
            f"U{serial:09d}",
            "+1" if value > 0 else "-1",
            value,
            added=True,
            event_id=f"Ev{serial:09d}",  # as every platform delivery carries
        )

    async def cast_votes(self, count: int, callers: int) -> float:
        first = self.cast
        self.cast += count
        return await concurrently(count, callers, lambda i: self.vote(first + i))

    async def exact(self) -> bool:
        tallies = await self.store.tallies((TEAM,), [paper(p) for p in range(PAPERS)])
        want_down = sum(1 for s in range(self.cast) if s % 7 == 0)
        got_up = sum(t.up for t in tallies.values())
        got_down = sum(t.down for t in tallies.values())
        return (got_up, got_down) == (self.cast - want_down, want_down)


async def growth(redis: Redis, ledger: Ledger, args: argparse.Namespace) -> list[list[str]]:
    rows = []
    for stored in (1_000, 100_000, 1_000_000):
        if ledger.cast < stored:
            await ledger.cast_votes(stored - ledger.cast, 256)  # seed, untimed
        base = ledger.cast
        runs = await paired(
            lambda: ledger.cast_votes(args.votes, args.concurrency),
            lambda: concurrently(
                args.votes, args.concurrency, lambda i: redis.incr(f"n:{i % 500}")
            ),
            args.reps,
        )
        rows.append(
            [
                f"{stored:,} votes stored (to {ledger.cast:,})",
                spread(runs.ours, "{:,.0f}"),
                spread(runs.anchor, "{:,.0f}"),
                spread(runs.ratio, "{:.2f}"),
                str(await ledger.exact() and ledger.cast == base + args.votes * args.reps),
            ]
        )
    return rows


async def commands(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k.startswith("cmdstat_"))


async def single_caller(redis: Redis, ledger: Ledger, reps: int) -> list[list[str]]:
    """One caller alone: no one shares its round trip."""
    count = 2000
    before_trips, before_cmds = ledger.store.round_trips, await commands(redis)
    runs = await paired(
        lambda: ledger.cast_votes(count, 1),
        lambda: concurrently(count, 1, lambda i: redis.incr(f"n1:{i % 500}")),
        reps,
    )
    trips = (ledger.store.round_trips - before_trips) / (count * reps)
    # every vote's EVALSHA and every INCR are commands too: what remains ran inside the scripts
    inside = (await commands(redis) - before_cmds - 2 * count * reps - 1) / (count * reps)
    us = [1e6 / r for r in runs.ours]
    anchor_us = [1e6 / r for r in runs.anchor]
    return [
        [
            "one caller alone: µs per vote / per INCR",
            spread(us, "{:,.0f}"),
            spread(anchor_us, "{:,.0f}"),
            spread([a / b for a, b in zip(us, anchor_us, strict=True)], "{:.2f}"),
            f"{trips:.2f} round trips and {inside:.1f} commands inside the script per vote",
        ]
    ]


async def main(args: argparse.Namespace) -> None:
    with redis_url() as url:
        redis = connect(url, max_connections=args.concurrency + 256)
        await redis.flushdb()
        await map_messages(redis)
        ledger = Ledger(VoteStore(redis))
        rows = await growth(redis, ledger, args)
        rows += await single_caller(redis, ledger, args.reps)
        await redis.aclose()
    table(
        "votes",
        [
            f"{args.votes:,} votes, {args.concurrency} callers",
            "votes/s",
            "anchor: INCR/s, same callers",
            "ratio",
            "tallies exact",
        ],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--reps", type=int, default=REPS)
    aio.run(main(parser.parse_args()))
