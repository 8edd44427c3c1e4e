"""Reaction events per second through the signed HTTP endpoint, beside a bare aiohttp handler.

Usage: python -m bench.slack_reactions_bench [--users 2000] [--papers 50] [--concurrency 64]
       [--layers]

50 paper messages are mapped (as `/paper` or a digest would leave them). 2,000 users then add,
switch and remove votes on them: about 25,000 signed `reaction_added` / `reaction_removed`
event_callbacks in Slack's shape, 5 % of them sent twice as Slack's retries
(`X-Slack-Retry-Num`), from 64 connections in another process; each user's events stay in order.
The same requests then go to a bare aiohttp handler (read the body, answer 200) in this process,
in the same run. Goal: >= 3,000 events/s and >= 0.5x the bare handler, with every tally exact.

The server is one event loop (uvloop, as `paperboy run` uses; `--loop asyncio` for asyncio's),
so its CPU time per event bounds the rate. `--layers` sends the same load through successively
more of the stack and prints that CPU time for each: bare aiohttp; plus Bolt's request/response
conversion; the whole endpoint (Bolt's middleware, the adapter's reaction middleware, ack) with
the core's reaction replaced by nothing; the same with one unbatched Redis PING in its place.
The real endpoint's figure is the main run's (sending the same events again would only measure
the `event_id` dedup).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.response import BoltResponse

from bench._common import machine, redis_url
from bench.slack_bed import (
    Bed,
    Request,
    flat,
    from_another_process,
    reaction,
    retried,
    slack_bed,
    statuses,
)
from bot.app import Paperboy
from bot.domain import ChannelRef, MessageRef, ReactionChanged, Tally
from bot.emoji import canonical
from bot.services import aio
from bot.web import Health, serve

CHANNEL = "C0VOTES01"
TEAM = "slack:T0001"  # the workspace of tests/fakes/slack.py's event_callback envelope
UP, FIRE, DOWN = "+1::skin-tone-2", "fire", "-1"
VALUE = {UP: 1, FIRE: 1, DOWN: -1}


@dataclass
class Ledger:
    """What the tallies must be: a user's vote is the value of their latest reaction still on."""

    reactions: dict[tuple[str, str], dict[str, tuple[int, int]]] = field(default_factory=dict)
    seq: int = 0

    def apply(self, paper: str, user: str, emoji: str, added: bool) -> None:
        held = self.reactions.setdefault((paper, user), {})
        key, value = canonical(emoji), VALUE[emoji]
        if not added:
            held.pop(key, None)
        elif key not in held or held[key][0] != value:
            self.seq += 1
            held[key] = (value, self.seq)

    def tallies(self) -> dict[str, Tally]:
        out: dict[str, list[int]] = {}
        for (paper, _), held in self.reactions.items():
            counts = out.setdefault(paper, [0, 0])
            if held:
                value = max(held.values(), key=lambda v: v[1])[0]
                counts[0 if value > 0 else 1] += 1
        return {paper: Tally(up=up, down=down) for paper, (up, down) in out.items()}


def user_events(
    user: str, papers: Sequence[str], rng: random.Random, ledger: Ledger
) -> list[tuple[str, str, bool]]:
    """One user's reactions: an up vote, sometimes a switch, an undo, a second emoji..."""
    events: list[tuple[str, str, bool]] = []
    for ts in rng.sample(list(papers), 5):
        steps = [(UP, True)]
        if rng.random() < 0.4:
            steps.append((DOWN, True))
            if rng.random() < 0.5:
                steps.append((DOWN, False))
        if rng.random() < 0.3:
            steps.append((FIRE, True))
        if rng.random() < 0.25:
            steps += [(UP, False), (FIRE, False)]
        for emoji, added in steps:
            events.append((ts, emoji, added))
            ledger.apply(ts, user, emoji, added)
    return events


def workload(
    users: int, papers: Sequence[str], concurrency: int, ledger: Ledger
) -> list[list[Request]]:
    """Per-connection sequences; all of one user's events go through one connection, in order."""
    rng = random.Random(7)
    sequences: list[list[Request]] = [[] for _ in range(concurrency)]
    serial = 0
    for u in range(users):
        user = f"U0V{u:07d}"
        for ts, emoji, added in user_events(user, papers, rng, ledger):
            serial += 1
            request = reaction(
                f"Ev{serial:012d}", user=user, emoji=emoji, channel=CHANNEL, ts=ts, added=added
            )
            sequence = sequences[u % concurrency]
            sequence.append(request)
            if rng.random() < 0.05:
                sequence.append(retried(request, 1))
    return sequences


@dataclass(frozen=True)
class Rate:
    """One load run: requests/s seen by the client, server CPU (this process) per request."""

    per_second: float
    cpu_ms: float
    statuses: dict[int, int]


Handler = Callable[[web.Request], Awaitable[web.Response]]


async def bare(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="")


async def converted(request: web.Request) -> web.Response:
    """Bolt's aiohttp request and response conversion, and nothing else."""
    await to_bolt_request(request)
    return await to_aiohttp_response(BoltResponse(status=200, body=""))


async def handler_rate(handler: Handler, sequences: list[list[Request]], health: Health) -> Rate:
    """`handler` alone on POST /slack/events, served by the adapter's server helper (same
    limits, body-read middleware, no access log)."""
    route = web.post("/slack/events", handler)
    async with serve(health, route, host="127.0.0.1", port=0) as port:
        return await rate(f"http://127.0.0.1:{port}/slack/events", sequences)


async def rate(url: str, sequences: list[list[Request]]) -> Rate:
    cpu = time.process_time()
    timings = flat(await from_another_process(url, sequences))
    cpu = time.process_time() - cpu
    elapsed = max(t.end for t in timings) - min(t.start for t in timings)
    return Rate(len(timings) / elapsed, cpu / len(timings) * 1000, statuses(timings))


@contextmanager
def core_replaced(app: Paperboy, reaction: Callable[..., Awaitable[None]]) -> Iterator[None]:
    """`app.reaction` swapped for `reaction` on this instance (benchmark only)."""
    name = "reaction"  # the adapter calls `paperboy.reaction(event, platform=...)`
    setattr(app, name, reaction)
    try:
        yield
    finally:
        delattr(app, name)


async def layers(bed: Bed, sequences: list[list[Request]]) -> list[tuple[str, Rate]]:
    """Server CPU per event as the load goes through more of the stack (see the docstring)."""

    async def nothing(*_: object, **__: object) -> None:
        return None

    async def ping(*_: object, **__: object) -> None:
        await bed.app.redis.ping()

    health = Health(bed.app.redis)
    out = [
        ("bare aiohttp handler", await handler_rate(bare, sequences, health)),
        ("+ Bolt request/response conversion", await handler_rate(converted, sequences, health)),
    ]
    for label, core in (("endpoint, core = nothing", nothing), ("endpoint, core = PING", ping)):
        with core_replaced(bed.app, core):
            out.append((label, await rate(bed.url, sequences)))
    return out


async def core_alone(app: Paperboy, events: int, concurrency: int) -> float:
    """`Paperboy.reaction` called directly (no HTTP, no Bolt): events/s, for the breakdown."""
    channel = ChannelRef(platform="slack", channel_id="C0COREONLY")
    refs = [MessageRef(channel=channel, message_id=f"1710000000.{i:06d}") for i in range(50)]
    for i, ref in enumerate(refs):
        await app.channels.map_message(TEAM, ref, f"2403.{30000 + i:05d}")
    queue = iter(range(events))

    async def worker() -> None:
        for i in queue:
            event = ReactionChanged(
                message=refs[i % 50],
                user=f"U0C{i:07d}",
                emoji=UP,
                added=True,
                event_id=f"EvCore{i:010d}",
                team=TEAM,
            )
            await app.reaction(event, platform="slack")

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return events / (time.monotonic() - began)


async def map_papers(app: Paperboy, count: int) -> dict[str, str]:
    """`count` paper messages in CHANNEL: message ts -> arXiv id."""
    channel = ChannelRef(platform="slack", channel_id=CHANNEL)
    papers = {f"{1710460800 + i}.000100": f"2403.{20000 + i:05d}" for i in range(count)}
    for ts, arxiv_id in papers.items():
        await app.channels.map_message(TEAM, MessageRef(channel=channel, message_id=ts), arxiv_id)
    return papers


async def main(users: int, paper_count: int, concurrency: int, with_layers: bool) -> None:
    with redis_url() as url:
        async with slack_bed(url) as bed:
            papers = await map_papers(bed.app, paper_count)
            ledger = Ledger()
            sequences = workload(users, list(papers), concurrency, ledger)
            total = sum(len(s) for s in sequences)
            bare_run = await handler_rate(bare, sequences, Health(bed.app.redis))
            pipelines = bed.app.votes.pipelines
            ours = await rate(bed.url, sequences)
            pipelines = bed.app.votes.pipelines - pipelines
            expected = {papers[ts]: tally for ts, tally in ledger.tallies().items()}
            ledger_keys = await bed.app.teams.ledger(TEAM)
            actual = await bed.app.votes.tallies(ledger_keys, list(expected))
            wrong = {p: (actual.get(p), t) for p, t in expected.items() if actual.get(p) != t}
            alone = await core_alone(bed.app, 20_000, concurrency)
            print(f"machine: {machine()}")
            print(
                f"events: {total:,} over {paper_count} messages by {users:,} users, "
                f"{concurrency} connections"
            )
            print(
                f"signed endpoint (aiohttp + Bolt + adapter + core + Redis): "
                f"{ours.per_second:,.0f} events/s (statuses {ours.statuses})"
            )
            print(
                f"bare aiohttp handler, same run: {bare_run.per_second:,.0f} requests/s "
                f"(statuses {bare_run.statuses})"
            )
            print(f"ratio: {ours.per_second / bare_run.per_second:.2f}")
            print(
                f"tallies exact: {not wrong} ({len(expected)} papers, "
                f"{sum(t.up for t in expected.values()):,} up / "
                f"{sum(t.down for t in expected.values()):,} down)"
            )
            if wrong:
                print(f"mismatches: {list(wrong.items())[:5]}")
            print(f"server CPU per event: {ours.cpu_ms:.3f} ms")
            print(
                f"Redis round trips: {pipelines:,} pipelines for {total:,} events "
                f"({total / max(pipelines, 1):.1f} events each)"
            )
            print(f"Paperboy.reaction alone (no HTTP, no Bolt): {alone:,.0f} events/s")
            if with_layers:
                for label, run in [*await layers(bed, sequences), ("the real endpoint", ours)]:
                    print(f"layers: {label}: {run.cpu_ms:.3f} ms CPU, {run.per_second:,.0f}/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--layers", action="store_true", help="server CPU per event by layer")
    parser.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="as PAPERBOY_EVENT_LOOP",
    )
    args = parser.parse_args()
    aio.run(main(args.users, args.papers, args.concurrency, args.layers), loop=args.loop)
