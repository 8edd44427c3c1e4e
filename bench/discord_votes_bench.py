"""Reaction dispatches per second turned into votes, with exact final tallies.

Usage: python -m bench.discord_votes_bench [--users 500] [--messages 20] [--seed 7]

Every user reacts on every paper message (20 papers, each mapped in Redis as if Paperboy had
posted it) following one of a few scripts: 👍; 👎; 👍 then 👎 (a switch); 👍, 👎, then 👎
removed (back to up); 👍🏽 added and removed; 🔥 and ⬆️ then 🔥 removed; 🎉 (not a vote). The
scripts of all (user, message) pairs are interleaved, each keeping its own order, and sent as
MESSAGE_REACTION_ADD / _REMOVE dispatches by the loopback Discord (its own process) as fast as
it can. Measured from the first dispatch sent to the bot's last reaction handler finished;
then every paper's tally is compared with the one the scripts imply.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

from adapters.discord.translate import message_ref
from bench._common import machine, redis_url
from bench.discord_bed import Bed, discord_bed
from bot.domain import Tally
from bot.services import aio
from tests.fakes.discord import CHANNEL_ID, GUILD_ID

Step = tuple[str, bool]  # emoji, added
SCRIPTS: dict[str, tuple[list[Step], int]] = {  # steps, the vote they leave
    "up": ([("👍", True)], 1),
    "down": ([("👎", True)], -1),
    "switch": ([("👍", True), ("👎", True)], -1),
    "switch back": ([("👍", True), ("👎", True), ("👎", False)], 1),
    "withdrawn": ([("👍🏽", True), ("👍🏽", False)], 0),
    "two up, one left": ([("🔥", True), ("⬆️", True), ("🔥", False)], 1),
    "not a vote": ([("🎉", True)], 0),
}
BATCH = 1000
TEAM = f"discord:{GUILD_ID}"  # the fake's one server: its reactions carry its guild_id


def plan(users: int, messages: list[str], rng: random.Random) -> tuple[list[Any], dict[str, Tally]]:
    """Interleaved dispatch items (message, emoji, user, added) and the tallies they imply."""
    scripts, expected = [], {m: [0, 0] for m in messages}
    for u in range(users):
        for message in messages:
            steps, vote = SCRIPTS[rng.choice(list(SCRIPTS))]
            scripts.append([(message, e, str(900000000000000000 + u), a) for e, a in steps])
            if vote:
                expected[message][0 if vote > 0 else 1] += 1
    rng.shuffle(scripts)
    items = [s[k] for k in range(3) for s in scripts if k < len(s)]
    return items, {m: Tally(up=up, down=down) for m, (up, down) in expected.items()}


async def handled(bed: Bed, total: int) -> None:
    """Until `total` reaction events were received and every handler of them finished."""
    seen = [0]

    def count(*_: object) -> bool:
        seen[0] += 1
        return seen[0] >= total

    waiters = {
        asyncio.ensure_future(bed.client.wait_for(e, check=count, timeout=600))
        for e in ("raw_reaction_add", "raw_reaction_remove")
    }
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
    names = {"discord.py: on_raw_reaction_add", "discord.py: on_raw_reaction_remove"}
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t.get_name() in names))


async def main(users: int, n_messages: int, seed: int) -> None:
    messages = [str(1218112345678900000 + i) for i in range(n_messages)]
    papers = {m: f"2403.{10000 + i:05d}" for i, m in enumerate(messages)}
    items, expected = plan(users, messages, random.Random(seed))
    with redis_url() as url:
        async with discord_bed(url) as bed:
            for message, paper in papers.items():
                await bed.h.app.channels.map_message(
                    TEAM, message_ref(int(CHANNEL_ID), int(message)), paper
                )
            done = asyncio.ensure_future(handled(bed, len(items)))
            began = time.monotonic()
            for start in range(0, len(items), BATCH):
                await bed.discord.react_many(items[start : start + BATCH])
            await done
            elapsed = time.monotonic() - began
            ledger = await bed.h.app.teams.ledger(TEAM)
            tallies = {m: await bed.h.app.votes.tally(ledger, p) for m, p in papers.items()}
    exact = tallies == expected
    votes = sum(t.up + t.down for t in expected.values())
    print(f"machine: {machine()}; loopback Discord in its own process")
    print(
        f"{len(items)} reaction dispatches ({users} users x {n_messages} paper messages) "
        f"in {elapsed:.2f} s: {len(items) / elapsed:,.0f} dispatches/s"
    )
    print(f"final tallies exact: {exact} ({votes} votes standing over {n_messages} papers)")
    if not exact:
        for m in messages:
            if tallies[m] != expected[m]:
                print(f"  {papers[m]}: got {tallies[m]}, expected {expected[m]}")


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    aio.run(main(args.users, args.messages, args.seed))


if __name__ == "__main__":
    cli()
