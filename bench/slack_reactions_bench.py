"""Reaction events per second through the signed HTTP endpoint, beside a bare aiohttp handler.

Usage: python -m bench.slack_reactions_bench [--users 500] [--papers 50] [--concurrency 64]
       [--reps 5] [--layers]

Per run, 50 paper messages are mapped (as `/paper` or a digest would leave them) and 500 users
add, switch and remove votes on them: about 6,300 signed `reaction_added` / `reaction_removed`
event_callbacks in Slack's shape, 5 % of them sent twice as Slack's retries
(`X-Slack-Retry-Num`), from 64 keep-alive connections in another process; each user's events stay
in order. The same requests go to the anchor, a bare aiohttp handler (read the body, answer 200)
served by the same helper (`bot.web.serve`) in this process; anchor and endpoint alternate,
`--reps` runs each, every run with users and event ids of its own, its tallies checked exact.
The core is opened as `paperboy run slack` opens it, with Slack's chat port: it edits the vote
counts itself (a core without it queues an edit per vote for another process).

The figure is the server's CPU time per event (this process's CPU while the load runs / events),
not requests per second, which the load generator limits as much as the server does.
Goal: <= 2x the bare handler's CPU per event. `--layers` adds the CPU per event of Bolt's full
dispatch of the same reactions (`bolt.async_dispatch`, the path the fast path skips), for the
breakdown.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bench._common import redis_url
from bench._report import REPS, ratios, spread, table
from bench.slack_bed import Bed, Fired, LoadClient, Request, reaction, retried, slack_bed
from bot.app import Paperboy
from bot.domain import ChannelRef, MessageRef, Tally
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
    users: int, papers: Sequence[str], concurrency: int, ledger: Ledger, run: int = 0
) -> list[list[Request]]:
    """Per-connection sequences; all of one user's events go through one connection, in order.
    Each `run` has users and event ids of its own (a repeated event id would only be deduped)."""
    rng = random.Random(7)
    sequences: list[list[Request]] = [[] for _ in range(concurrency)]
    serial = run * 10_000_000
    for u in range(users):
        user = f"U{run}V{u:07d}"
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


Handler = Callable[[web.Request], Awaitable[web.Response]]


async def bare(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="")


async def through_bolt(bed: Bed) -> Handler:
    """The endpoint as it was before the fast path: every request into Bolt's dispatch."""

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        answer = await bed.adapter.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    return handler


@asynccontextmanager
async def served(handler: Handler, health: Health) -> AsyncIterator[str]:
    """`handler` alone on POST /slack/events, served by the shipped server helper (same limits,
    body-read middleware, no access log)."""
    route = web.post("/slack/events", handler)
    async with serve(health, route, host="127.0.0.1", port=0) as port:
        yield f"http://127.0.0.1:{port}/slack/events"


async def map_papers(app: Paperboy, count: int, run: int) -> dict[str, str]:
    """`count` paper messages in CHANNEL for one run: message ts -> arXiv id."""
    channel = ChannelRef(platform="slack", channel_id=CHANNEL)
    first = 20000 + run * count
    papers = {f"{1710460800 + first + i}.000100": f"2403.{first + i:05d}" for i in range(count)}
    for ts, arxiv_id in papers.items():
        await app.channels.map_message(TEAM, MessageRef(channel=channel, message_id=ts), arxiv_id)
    return papers


@dataclass
class Runs:
    ours: list[Fired] = field(default_factory=list)
    anchor: list[Fired] = field(default_factory=list)
    bolt: list[Fired] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)
    round_trips: list[int] = field(default_factory=list)


async def one_run(bed: Bed, load: LoadClient, urls: dict[str, str], args: Any, run: int) -> Runs:
    """Anchor and endpoint on the same events (the order alternating by run), tallies checked."""
    out = Runs()
    papers = await map_papers(bed.app, args.papers, run)
    ledger = Ledger()
    sequences = workload(args.users, list(papers), args.concurrency, ledger, run)
    before = bed.app.votes.round_trips
    if run % 2:
        out.ours.append(await load.fire(bed.url, sequences))
        out.anchor.append(await load.fire(urls["bare"], sequences))
    else:
        out.anchor.append(await load.fire(urls["bare"], sequences))
        out.ours.append(await load.fire(bed.url, sequences))
    out.round_trips.append(bed.app.votes.round_trips - before)
    expected = {papers[ts]: tally for ts, tally in ledger.tallies().items()}
    actual = await bed.app.votes.tallies(await bed.app.teams.ledger(TEAM), list(expected))
    out.exact.append(actual == expected)
    if args.layers:  # the same events again through Bolt: deduped, so only the dispatch counts
        out.bolt.append(await load.fire(urls["bolt"], sequences))
    return out


async def main(args: Any) -> None:
    runs = Runs()
    with redis_url() as url, LoadClient() as load:
        async with slack_bed(url, platforms=["slack"]) as bed, AsyncExitStack() as stack:
            health = Health(bed.app.redis)
            urls = {"bare": await stack.enter_async_context(served(bare, health))}
            urls["bolt"] = await stack.enter_async_context(served(await through_bolt(bed), health))
            for run in range(args.reps):
                one = await one_run(bed, load, urls, args, run)
                for name in ("ours", "anchor", "bolt", "exact", "round_trips"):
                    getattr(runs, name).extend(getattr(one, name))
    report(runs, args)


def report(runs: Runs, args: Any) -> None:
    ours = [r.cpu_ms_per_request for r in runs.ours]
    anchor = [r.cpu_ms_per_request for r in runs.anchor]
    events = runs.ours[0].requests
    ok = all(r.statuses == {200: r.requests} for r in runs.ours + runs.anchor)
    rows = [
        ["signed endpoint: server CPU per event (ms)", spread(ours, "{:.3f}")],
        ["anchor, bare aiohttp handler, interleaved (ms)", spread(anchor, "{:.3f}")],
        ["ratio endpoint / anchor (goal <= 2)", spread(ratios(ours, anchor), "{:.2f}")],
        [
            "endpoint events/s (client-limited)",
            spread([r.requests / r.seconds for r in runs.ours], "{:,.0f}"),
        ],
        [
            "anchor requests/s (client-limited)",
            spread([r.requests / r.seconds for r in runs.anchor], "{:,.0f}"),
        ],
        ["tallies exact, every answer 200", f"{all(runs.exact) and ok} ({len(runs.exact)} runs)"],
        [
            "events per Redis round trip",
            spread([events / max(p, 1) for p in runs.round_trips], "{:.1f}"),
        ],
    ]
    if runs.bolt:
        bolt = [r.cpu_ms_per_request for r in runs.bolt]
        rows.append(
            ["the same events through Bolt's dispatch, deduped (ms)", spread(bolt, "{:.3f}")]
        )
    print(
        f"{events:,} events per run ({args.users} users, {args.papers} messages, "
        f"{args.concurrency} connections), {len(ours)} runs"
    )
    table("slack-reactions", ["figure (min / median / max)", "value"], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--layers", action="store_true", help="also Bolt's full dispatch")
    parser.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="as PAPERBOY_EVENT_LOOP",
    )
    args = parser.parse_args()
    aio.run(main(args), loop=args.loop)
