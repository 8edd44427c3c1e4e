"""`/paper` ack latency while 200 other `/paper` requests wait on a slow LLM.

Usage: python -m bench.slack_ack_bench [--burst 200] [--probes 100] [--llm-latency 2]

200 signed `/paper <id>` commands (200 different papers, so 200 LLM calls are really in flight)
arrive at once from another process: first into a cold process (no connection to arXiv, the
LLM or Slack made yet), then, once those are answered, again into the warm one; while that
second burst waits on the fake LLM (it answers after 2 s), 100 more arrive one after another.
Slack wants an ack within 3 s; the goal is p99 <= 100 ms. Prints ack p50/p99 for each burst and
for the probes, whether every probe was acked before the first LLM answer was posted, and that
every command was answered in the end.
"""

from __future__ import annotations

import argparse
import time

from bench._common import machine, percentile, redis_url, synthetic_papers
from bench.slack_bed import (
    Timing,
    command,
    flat,
    from_another_process,
    ms,
    slack_bed,
    statuses,
)
from bot.services import aio


async def main(burst: int, probes: int, llm_latency: float) -> None:
    known = synthetic_papers(2 * burst + probes)
    with redis_url() as url:
        async with slack_bed(url, papers=known, llm_latency=llm_latency) as bed:
            requests = [
                command(
                    p.arxiv_id,
                    channel=f"C0B{i:07d}",
                    user=f"U0B{i:07d}",
                    response_url=bed.slack.response_url(),
                )
                for i, p in enumerate(known)
            ]
            print(f"machine: {machine()}; fake LLM latency: {llm_latency:g} s")
            cold = flat(await from_another_process(bed.url, [[r] for r in requests[:burst]]))
            await bed.adapter.drain()
            show(f"cold process, burst of {burst} concurrent", cold)
            bed.slack.reset()
            posted_before = len(bed.slack.posted)
            began = time.monotonic()
            warm = flat(
                await from_another_process(bed.url, [[r] for r in requests[burst : 2 * burst]])
            )
            probed = flat(await from_another_process(bed.url, [requests[2 * burst :]]))
            await bed.adapter.drain()
            done = time.monotonic() - began
            show(f"warm process, burst of {burst} concurrent", warm)
            show(f"{probes} probes, one at a time, while the {burst} wait on the LLM", probed)
            first_post = min(r.at for r in bed.slack.calls("chat.postMessage"))
            print(
                "every probe acked before the first LLM answer was posted: "
                f"{max(t.end for t in probed) < first_post}"
            )
            print(f"LLM calls: {bed.remote.calls()['llm']} (one per paper asked)")
            print(
                f"statuses: {statuses(cold + warm + probed)}; answers posted after the warm "
                f"burst: {len(bed.slack.posted) - posted_before} / {burst + probes} in {done:.2f} s"
            )


def show(what: str, timings: list[Timing]) -> None:
    acks = ms(t.end - t.start for t in timings)
    print(
        f"{what}: ack p50 {percentile(acks, 50):.1f} ms, p99 {percentile(acks, 99):.1f} ms, "
        f"max {max(acks):.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--llm-latency", type=float, default=2.0)
    args = parser.parse_args()
    aio.run(main(args.burst, args.probes, args.llm_latency))
