"""Votes recorded per second through VoteStore, beside a raw redis-py pipeline of INCRs.

Usage: python -m bench.votes_bench [--votes 20000] [--concurrency 64]
Prints votes/s for the store (one Lua script per vote, concurrent callers; the votes cast
while a pipeline is out share the next one), the raw pipelined INCR rate in the same run, their
ratio, and Redis round trips per vote. Every client is Paperboy's (`redis_client.connect`:
hiredis packing), on the event loop `paperboy` runs on (uvloop).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench._common import machine, redis_url
from bot.services import aio
from bot.services.redis_client import connect
from bot.services.votes import VoteStore


async def store_rate(url: str, votes: int, concurrency: int) -> tuple[float, float]:
    client = connect(url, max_connections=concurrency)
    await client.flushdb()
    store = VoteStore(client)
    await store.record_vote("warm", "u", 1, platform="slack")
    pipelines = store.pipelines
    queue = iter(range(votes))

    async def worker() -> None:
        for i in queue:
            await store.record_vote(
                f"2403.{i % 500:05d}",
                f"u{i}",
                1 if i % 7 else -1,
                platform="slack" if i % 2 else "discord",
                emoji="👍",
            )

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    tallies = await store.tallies([f"2403.{p:05d}" for p in range(500)])
    total = sum(t.up + t.down for t in tallies.values())
    assert total == votes, f"tallies {total} != votes {votes}"
    trips = (store.pipelines - pipelines) / votes
    await client.aclose()
    return votes / elapsed, trips


async def raw_rate(url: str, votes: int, batch: int = 1000) -> float:
    client = connect(url)
    start = time.perf_counter()
    for offset in range(0, votes, batch):
        async with client.pipeline(transaction=False) as pipe:
            for i in range(offset, min(votes, offset + batch)):
                pipe.incr(f"raw:{i % 500}")
            await pipe.execute()
    elapsed = time.perf_counter() - start
    await client.aclose()
    return votes / elapsed


async def raw_single_rate(url: str, votes: int, concurrency: int) -> float:
    client = connect(url, max_connections=concurrency)
    queue = iter(range(votes))

    async def worker() -> None:
        for i in queue:
            await client.incr(f"raw1:{i % 500}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await client.aclose()
    return votes / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with redis_url() as url:
        rate, trips = await store_rate(url, args.votes, args.concurrency)
        raw = await raw_rate(url, args.votes)
        single = await raw_single_rate(url, args.votes, args.concurrency)
    print(f"machine: {machine()}")
    print(
        f"VoteStore.record_vote: {rate:,.0f} votes/s ({args.votes} votes, "
        f"{args.concurrency} concurrent callers), tallies exact"
    )
    print(f"raw pipelined INCR:    {raw:,.0f} ops/s")
    print(f"ratio store/raw:       {rate / raw:.2f}")
    print(
        f"raw unpipelined INCR:  {single:,.0f} ops/s ({args.concurrency} concurrent callers); "
        f"ratio store/unpipelined {rate / single:.2f}"
    )
    print(f"Redis round trips per vote: {trips:.2f}")


if __name__ == "__main__":
    aio.run(main())
