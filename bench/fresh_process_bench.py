"""A freshly started `paperboy run slack --http`: its first acks, and its idle memory.

Usage: python -m bench.fresh_process_bench [--reps 5]

Each run starts a real `python -m bot run slack --http` process (worker included, as the
default) against the loopback Slack Web API and a Redis started by this script, waits for its
`/healthz`, then sends one signed `/paper help` and one signed reaction, each timed from send to
answer, and reads the process's RSS (VmRSS) after 2 s idle. The anchor, started alternately
before or after it: a bare aiohttp server process that has imported slack_bolt and answers any
POST with 200, given the same two requests and read the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench._common import redis_url
from bench._report import REPS, spread, table
from bench.slack_bed import SECRET, Request, command, reaction
from bot.services import aio
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.harness import ROOT, clean_environ

ANCHOR = """
import sys
import slack_bolt.async_app  # noqa: F401  (what the bot's process also holds)
from aiohttp import web

async def ok(request):
    await request.read()
    return web.Response(text="")

app = web.Application()
app.router.add_post("/slack/events", ok)
app.router.add_get("/healthz", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


@dataclass(frozen=True)
class Fresh:
    first_command_ms: float
    first_reaction_ms: float
    rss_mib: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def ready(http: aiohttp.ClientSession, base: str, process: subprocess.Popen[bytes]) -> None:
    while process.poll() is None:
        try:
            async with http.get(f"{base}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the process exited with {process.returncode}")


async def timed(http: aiohttp.ClientSession, url: str, request: Request) -> float:
    body, headers = request
    start = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as resp:
        await resp.read()
        assert resp.status == 200, resp.status
    return (time.perf_counter() - start) * 1000


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def measure(argv: list[str], env: dict[str, str], port: int, run: int) -> Fresh:
    process = start(argv, env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await asyncio.wait_for(ready(http, base, process), 60)
            ask = command(
                "help", channel="C0FRESH01", user=f"U0FRESH{run:02d}", response_url=f"{base}/none"
            )
            vote = reaction(
                f"EvFresh{run:06d}",
                user="U0FRESH99",
                emoji="+1",
                channel="C0FRESH01",
                ts="1.000001",
                added=True,
            )
            first = await timed(http, f"{base}/slack/events", ask)
            second = await timed(http, f"{base}/slack/events", vote)
        await asyncio.sleep(2)
        return Fresh(first, second, rss_mib(process.pid))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def main(reps: int) -> None:
    ours: list[Fresh] = []
    anchor: list[Fresh] = []
    with redis_url() as url, FakeSlack() as slack:
        env = {
            **clean_environ(),
            "REDIS_URL": url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "PAPERBOY_LOG_LEVEL": "WARNING",
        }
        for run in range(reps):
            port_ours, port_anchor = free_port(), free_port()
            bot = [sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port_ours)]
            bare = [sys.executable, "-c", ANCHOR, str(port_anchor)]
            pair = [(bot, port_ours, ours), (bare, port_anchor, anchor)]
            for argv, port, into in pair if run % 2 == 0 else reversed(pair):
                into.append(await measure(argv, env, port, run))
    rows = [
        [
            "first `/paper help` after start: ack (ms)",
            spread([f.first_command_ms for f in ours]),
            spread([f.first_command_ms for f in anchor]),
        ],
        [
            "then the first reaction: answer (ms)",
            spread([f.first_reaction_ms for f in ours]),
            spread([f.first_reaction_ms for f in anchor]),
        ],
        [
            "RSS after 2 s idle (MiB)",
            spread([f.rss_mib for f in ours]),
            spread([f.rss_mib for f in anchor]),
        ],
    ]
    table(
        "fresh-process",
        [
            f"`paperboy run slack --http`, {reps} fresh processes",
            "paperboy",
            "anchor: bare aiohttp + slack_bolt imported",
        ],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=REPS)
    aio.run(main(parser.parse_args().reps))
