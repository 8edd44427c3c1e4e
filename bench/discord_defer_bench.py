"""`/paper` defer latency while 200 other `/paper` interactions wait on a slow LLM.

Usage: python -m bench.discord_defer_bench [--burst 200] [--probes 100] [--llm-latency 2]

200 INTERACTION_CREATE dispatches for 200 different papers (so 200 LLM calls are really in
flight) arrive back to back on the gateway; then, while the fake LLM is still thinking (it
answers after 2 s), 100 more arrive one after another. Discord wants the first answer within
3 s; the goal is a deferral (callback type 5) p99 <= 100 ms. Latency = the fake Discord receiving
the callback - the fake sending the dispatch. Prints p50/p99 for the burst and for the probes,
whether every probe was deferred before the first answer arrived, and that every interaction
was answered by a follow-up.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench._common import machine, percentile, redis_url, synthetic_papers
from bench.discord_bed import Bed, discord_bed
from bot.services import aio
from tests.fakes.discord import APP_ID


def defer_ms(timings: dict[str, Any], ids: list[str]) -> list[float]:
    return [(timings["callbacks"][i] - timings["dispatched"][i]) * 1000 for i in ids]


async def probe(bed: Bed, arxiv_id: str, index: int) -> str:
    """One interaction, waiting for its deferral (the `index`-th callback) before returning."""
    (interaction_id,) = await bed.discord.slash_many([arxiv_id])
    await bed.discord.wait_for("POST", "/callback", index + 1)
    return interaction_id


async def main(burst: int, probes: int, llm_latency: float) -> None:
    known = synthetic_papers(burst + probes)
    with redis_url() as url:
        async with discord_bed(url, papers=known, PAPERBOY_LLM_TIMEOUT=30) as bed:
            bed.h.llm.latency = llm_latency
            began = time.monotonic()
            burst_ids = await bed.discord.slash_many([p.arxiv_id for p in known[:burst]])
            await bed.discord.wait_for("POST", "/callback", burst)
            probe_ids = [
                await probe(bed, p.arxiv_id, burst + i) for i, p in enumerate(known[burst:])
            ]
            await bed.discord.wait_for("POST", f"/webhooks/{APP_ID}/", burst + probes)
            done = time.monotonic() - began
            report(await bed.discord.timings(), burst_ids, probe_ids, done, llm_latency)


def report(
    timings: dict[str, Any],
    burst_ids: list[str],
    probe_ids: list[str],
    done: float,
    llm_latency: float,
) -> None:
    burst_ms, probe_ms = defer_ms(timings, burst_ids), defer_ms(timings, probe_ids)
    print(f"machine: {machine()}; loopback Discord in its own process")
    print(f"fake LLM latency: {llm_latency:g} s")
    print(
        f"burst of {len(burst_ms)} concurrent: defer p50 {percentile(burst_ms, 50):.1f} ms, "
        f"p99 {percentile(burst_ms, 99):.1f} ms, max {max(burst_ms):.1f} ms"
    )
    print(
        f"{len(probe_ms)} probes while they wait: defer p50 {percentile(probe_ms, 50):.1f} ms, "
        f"p99 {percentile(probe_ms, 99):.1f} ms, max {max(probe_ms):.1f} ms"
    )
    last_probe = max(timings["callbacks"][i] for i in probe_ids)
    first_answer = min(timings["followups"])
    print(f"every probe deferred before the first answer: {last_probe < first_answer}")
    print(
        f"answered with a paper embed: {len(timings['followups'])} / "
        f"{len(burst_ids) + len(probe_ids)} in {done:.2f} s"
    )


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--llm-latency", type=float, default=2.0)
    args = parser.parse_args()
    aio.run(main(args.burst, args.probes, args.llm_latency))


if __name__ == "__main__":
    cli()
