"""What the Slack benchmarks share: the real adapter served over HTTP, and a load generator.

The server side is one process (this one): the real Paperboy core (production `Paperboy.open`
with tests/harness.py's settings, real Redis), the real Bolt app on aiohttp, and the loopback
Slack Web API (in a thread: the benchmarks read what it recorded). The arXiv, Hugging Face and
OpenAI fakes run in a process of their own, like the real services. The load comes from another
spawned process, so that the client's work does not run on the server's event loop; both use `time.monotonic()`, which is one clock
for every process on Linux, so a request's send time can be compared with the moment the fake
Slack saw the resulting `chat.postMessage`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import multiprocessing
import time
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import aiohttp

from adapters.slack.app import SlackAdapter
from adapters.slack.runner import http_server
from bot.app import Paperboy
from bot.domain import Paper
from bot.services import aio
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import BOT_TOKEN, BOT_USER_ID, FakeSlack, event_callback
from tests.harness import fake_settings, quiet_star

SECRET = "bench-signing-secret-0123456789abcdef"
Request = tuple[bytes, dict[str, str]]  # body, headers


@dataclass
class Bed:
    app: Paperboy
    adapter: SlackAdapter
    slack: FakeSlack
    remote: Remote
    url: str


def _serve_fakes(papers: list[Paper], llm_latency: float, conn: Connection) -> None:
    with FakeArxiv(papers) as arxiv, FakeHuggingFace() as hf, FakeOpenAI() as llm:
        llm.latency = llm_latency
        conn.send({"arxiv": arxiv.base_url, "hf": hf.base_url, "llm": llm.base_url})
        while conn.recv() == "stats":
            conn.send({"llm": llm.chat_calls(), "arxiv": arxiv.count(), "hf": hf.count()})


@dataclass
class Remote:
    """The fakes' process: their base URLs, and how many requests each has answered."""

    urls: dict[str, str]
    conn: Connection

    def calls(self) -> dict[str, int]:
        self.conn.send("stats")
        counts: dict[str, int] = self.conn.recv()
        return counts


@contextmanager
def remote_fakes(papers: Sequence[Paper], llm_latency: float) -> Iterator[Remote]:
    """arXiv, Hugging Face and OpenAI fakes in a process of their own (as the real services
    are elsewhere): in this one their threads would compete with the server for the GIL."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_serve_fakes, args=(list(papers), llm_latency, child), daemon=True
    )
    process.start()
    try:
        yield Remote(parent.recv(), parent)
    finally:
        parent.send("stop")
        process.join(10)


@asynccontextmanager
async def slack_bed(
    redis_url: str,
    *,
    papers: Sequence[Paper] = (),
    llm_latency: float = 0.0,
    interval: float = 1.0,
    platforms: Collection[str] = (),
) -> AsyncIterator[Bed]:
    """The Slack adapter over HTTP on 127.0.0.1 in this process, against the fakes.
    `platforms`: the chat ports the core opens (`paperboy run slack` opens Slack's, so that
    it edits vote counts itself; without it, it queues every edit for another process)."""
    logging.basicConfig(level=logging.WARNING)
    async with AsyncExitStack() as stack:
        slack = stack.enter_context(FakeSlack())
        remote = stack.enter_context(remote_fakes(papers or [quiet_star()], llm_latency))
        urls = remote.urls
        settings = fake_settings(
            redis_url,
            SimpleNamespace(base_url=urls["arxiv"]),  # type: ignore[arg-type]
            SimpleNamespace(base_url=urls["hf"]),  # type: ignore[arg-type]
            SimpleNamespace(base_url=urls["llm"]),  # type: ignore[arg-type]
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
            PAPERBOY_LLM_TIMEOUT=30,
        )
        app = await stack.enter_async_context(Paperboy.open(settings, platforms=platforms))
        await app.redis.flushdb()
        adapter = await stack.enter_async_context(
            SlackAdapter.open(app, http=True, interval=interval)
        )
        port = await stack.enter_async_context(http_server(adapter, host="127.0.0.1", port=0))
        stack.enter_context(aio.server_gc())  # started: collect garbage as `paperboy run` does
        yield Bed(app, adapter, slack, remote, f"http://127.0.0.1:{port}/slack/events")


def signed(body: str, content_type: str) -> Request:
    """The body with Slack's headers: `v0=` hex HMAC-SHA256 of `v0:{ts}:{body}`."""
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return body.encode(), {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def command(text: str, *, channel: str, user: str, response_url: str) -> Request:
    """A `/paper` slash command in Slack's form encoding (fields of Slack's docs)."""
    form = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": "T0001",
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "ml-papers",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/paper",
        "text": text,
        "api_app_id": "A123456",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "13345224609.738474920.8088930838d8",
    }
    return signed(urlencode(form), "application/x-www-form-urlencoded")


def reaction(
    event_id: str, *, user: str, emoji: str, channel: str, ts: str, added: bool
) -> Request:
    """A `reaction_added`/`reaction_removed` event_callback as Slack sends it."""
    event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": emoji,
        "item_user": BOT_USER_ID,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": f"{int(time.time())}.000100",
    }
    body = event_callback(event, event_id)
    return signed(json.dumps(body), "application/json")


def retried(request: Request, attempt: int) -> Request:
    body, headers = request
    return body, {
        **headers,
        "X-Slack-Retry-Num": str(attempt),
        "X-Slack-Retry-Reason": "http_timeout",
    }


# -- the load generator (runs in a spawned process) ----------------------------------------------
@dataclass(frozen=True)
class Timing:
    start: float
    end: float
    status: int


async def _run_sequences(
    url: str, sequences: Sequence[Sequence[Request]], gap: float
) -> list[list[Timing]]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(sequence: Sequence[Request]) -> list[Timing]:
            out = []
            for body, headers in sequence:
                start = time.monotonic()
                async with http.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                out.append(Timing(start, time.monotonic(), resp.status))
                if gap:
                    await asyncio.sleep(gap)
            return out

        return list(await asyncio.gather(*(one(s) for s in sequences)))


def blast(url: str, sequences: Sequence[Sequence[Request]], gap: float = 0.0) -> list[list[Timing]]:
    """Each sequence in order, all sequences at once; the timing of every request."""
    return asyncio.run(_run_sequences(url, sequences, gap))


async def from_another_process(
    url: str, sequences: Sequence[Sequence[Request]], gap: float = 0.0
) -> list[list[Timing]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, blast, url, sequences, gap)


def _load_client(conn: Connection) -> None:
    """The load process of `LoadClient`: take a workload, fire it on "go", answer a summary."""
    while (message := conn.recv()) != "stop":
        url, sequences = message
        conn.send("ready")
        conn.recv()  # "go"
        timings = flat(blast(url, sequences))
        elapsed = max(t.end for t in timings) - min(t.start for t in timings)
        conn.send((len(timings), elapsed, statuses(timings)))


@dataclass(frozen=True)
class Fired:
    requests: int
    seconds: float
    statuses: dict[int, int]
    server_cpu: float  # CPU seconds this (the server's) process spent while the load ran

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu / self.requests * 1000


class LoadClient:
    """A load generator in a process of its own, whose workload is handed over before the clock
    starts: the server's CPU time while the load runs is then the server's work alone (no
    pickling of requests, no process start-up)."""

    def __enter__(self) -> LoadClient:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_load_client, args=(child,), daemon=True)
        self._process.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._conn.send("stop")
        self._process.join(10)

    async def fire(self, url: str, sequences: Sequence[Sequence[Request]]) -> Fired:
        self._conn.send((url, list(map(list, sequences))))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._conn.recv)  # "ready"
        cpu = time.process_time()
        self._conn.send("go")
        count, seconds, codes = await loop.run_in_executor(None, self._conn.recv)
        return Fired(count, seconds, codes, time.process_time() - cpu)


def ms(values: Iterable[float]) -> list[float]:
    return [v * 1000 for v in values]


def flat(timings: Iterable[list[Timing]]) -> list[Timing]:
    return [t for sequence in timings for t in sequence]


def statuses(timings: Iterable[Timing]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for t in timings:
        counts[t.status] = counts.get(t.status, 0) + 1
    return counts


def describe(value: Any) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
