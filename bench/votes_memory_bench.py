"""Redis memory per 1 M votes in the ledger's layout, beside the least any layout can store.

Usage: python -m bench.votes_memory_bench [--votes 1000000] [--per-paper 50] [--runs 3]
Casts `--votes` reactions through `VoteStore.record_reaction` (the production script: the
user's reactions, the tallies, the weekly tallies and both leaderboards), one team, papers
getting `--per-paper` voters each, and reads Redis's `used_memory` before and after. The anchor,
built in the same run on the same server, is the bare fact of each vote: one hash per paper,
user -> "+1" (no reactions, no week, no tallies, no leaderboard) — what any ledger must at least
keep. Event-id markers (one per platform delivery, an hour's TTL) are not included: they expire.
"""

from __future__ import annotations

import argparse
import asyncio

from bench._common import redis_url
from bench._report import ratios, spread, table
from bot import keys
from bot.domain import ChannelRef, MessageRef
from bot.services import aio
from bot.services.redis_client import connect
from bot.services.votes import VoteStore

TEAM = "slack:T0BENCH"
MIB = 1024 * 1024


async def used(client: object) -> int:
    info = await client.info("memory")  # type: ignore[attr-defined]
    return int(info["used_memory"])


async def ledger_bytes(url: str, votes: int, per_paper: int) -> int:
    client = connect(url, max_connections=64)
    await client.flushall()
    store = VoteStore(client)
    papers = votes // per_paper
    messages = [
        MessageRef(channel=ChannelRef(platform="slack", channel_id="C1"), message_id=f"{p}.0")
        for p in range(papers)
    ]
    async with client.pipeline(transaction=False) as pipe:
        for p, message in enumerate(messages):
            pipe.set(keys.message(TEAM, message.key), f"2403.{p:05d}")
        await pipe.execute()
    before = await used(client)
    queue = iter(range(votes))

    async def worker() -> None:
        for i in queue:
            await store.record_reaction(
                TEAM,
                messages[i % papers],
                f"U{i // papers:08d}",
                "👍" if i % 5 else "👎",
                1 if i % 5 else -1,
                added=True,
            )

    await asyncio.gather(*(worker() for _ in range(64)))
    after = await used(client)
    await client.aclose()
    return after - before


async def anchor_bytes(url: str, votes: int, per_paper: int) -> int:
    client = connect(url)
    await client.flushall()
    papers = votes // per_paper
    before = await used(client)
    for start in range(0, votes, 10_000):
        async with client.pipeline(transaction=False) as pipe:
            for i in range(start, min(votes, start + 10_000)):
                pipe.hset(f"v:2403.{i % papers:05d}", f"U{i // papers:08d}", "+1")
            await pipe.execute()
    after = await used(client)
    await client.aclose()
    return after - before


async def main(votes: int, per_paper: int, runs: int) -> None:
    ledger, anchor = [], []
    with redis_url() as url:
        for _ in range(runs):  # interleaved: anchor, then the ledger, on the same server
            anchor.append(await anchor_bytes(url, votes, per_paper))
            ledger.append(await ledger_bytes(url, votes, per_paper))
    scale = 1_000_000 / votes
    ledger_mib = [v * scale / MIB for v in ledger]
    anchor_mib = [v * scale / MIB for v in anchor]
    table(
        "votes-memory",
        [
            f"Redis memory per 1 M votes ({votes:,} cast per run, {per_paper} voters per paper)",
            "MiB",
        ],
        [
            ["the ledger (`VoteStore.record_reaction`)", spread(ledger_mib)],
            ["anchor, interleaved: bare votes (paper hash, user -> +1)", spread(anchor_mib)],
            ["ratio ledger / anchor", spread(ratios(ledger, anchor), "{:.2f}")],
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--per-paper", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    aio.run(main(args.votes, args.per_paper, args.runs))
