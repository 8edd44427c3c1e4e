"""`/paper` end to end on a cache hit: signed request in -> `chat.postMessage` at the fake Slack.

Usage: python -m bench.slack_cache_hit_bench [--requests 200] [--gap 0.05]

The paper and its summary are cached by one warm-up `/paper 2403.09629`; then 200 more arrive one
after another (each from another channel, so Slack's one-message-per-second-per-channel pacing
does not enter the figure) from another process. For each, the time from sending the request to
the moment the loopback Slack received the resulting `chat.postMessage` (one monotonic clock for
both processes). Prints p50/p90/p99 and the LLM calls made after the warm-up (0 on a cache hit).
"""

from __future__ import annotations

import argparse

from bench._common import machine, percentile, redis_url
from bench.slack_bed import command, flat, from_another_process, ms, slack_bed, statuses
from bot.services import aio
from tests.fakes.slack import params_of


async def main(count: int, gap: float) -> None:
    with redis_url() as url:
        async with slack_bed(url) as bed:
            warm = command(
                "2403.09629",
                channel="C0WARMUP1",
                user="U0WARM001",
                response_url=bed.slack.response_url(),
            )
            await from_another_process(bed.url, [[warm]])
            await bed.adapter.drain()
            llm_before = bed.remote.calls()["llm"]
            bed.slack.reset()
            requests = [
                command(
                    "2403.09629",
                    channel=f"C0E{i:07d}",
                    user=f"U0E{i:07d}",
                    response_url=bed.slack.response_url(),
                )
                for i in range(count)
            ]
            timings = flat(await from_another_process(bed.url, [requests], gap))
            await bed.adapter.drain()
            posted_at = {params_of(r)["channel"]: r.at for r in bed.slack.calls("chat.postMessage")}
            sent_at = {f"C0E{i:07d}": t.start for i, t in enumerate(timings)}
            e2e = ms(posted_at[c] - sent_at[c] for c in sent_at if c in posted_at)
            print(f"machine: {machine()}")
            print(f"requests: {count}, statuses {statuses(timings)}, posted {len(posted_at)}")
            print(
                f"request in -> chat.postMessage at the fake: p50 {percentile(e2e, 50):.1f} ms, "
                f"p90 {percentile(e2e, 90):.1f} ms, p99 {percentile(e2e, 99):.1f} ms"
            )
            acks = ms(t.end - t.start for t in timings)
            print(f"ack alone: p50 {percentile(acks, 50):.1f} ms")
            print(f"LLM calls after the warm-up: {bed.remote.calls()['llm'] - llm_before}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.05)
    args = parser.parse_args()
    aio.run(main(args.requests, args.gap))
