"""A Redis outage under a real `paperboy` process: shared by tests/resilience/test_outage.py and
bench/outage_bench.py.

`KillableRedis` is a redis-server of its own (unix socket, AOF) that can be SIGKILLed and
started again on the same socket and files. `SlackClient` speaks to a `paperboy run slack
--http` process as Slack does: signed reaction events, retried like Slack retries a non-200,
and signed `/paper` commands. Votes go to one paper message mapped in `map_paper`.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis as sync_redis
from redis.asyncio import Redis

from bot import keys
from bot.config import Settings
from bot.domain import ChannelRef, MessageRef
from bot.services.channels import ChannelStore
from bot.services.redis_server import find_redis_server
from bot.services.teams import TeamStore
from bot.stores import channel_defaults
from tests.adapters.slack.conftest import (
    CHANNEL,
    command_form,
    reaction_body,
    signed_headers,
)
from tests.fakes.slack import TEAM_ID

TEAM = f"slack:{TEAM_ID}"
MESSAGE_TS = "1710460800.000200"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
Check = Callable[[], Awaitable[bool]]


class KillableRedis:
    """A redis-server on a unix socket with AOF (fsync every second), killable at will."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = directory / "redis.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        args = [find_redis_server(), "--port", "0", "--unixsocket", str(self.socket)]
        args += ["--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "everysec"]
        args += ["--save", "", "--logfile", str(self.dir / "redis.log")]
        self.proc = subprocess.Popen(args)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if sync_redis.Redis(unix_socket_path=str(self.socket)).ping():
                    return
            except sync_redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def channel() -> ChannelRef:
    return ChannelRef(platform="slack", channel_id=CHANNEL)


async def map_paper(redis_url: str, arxiv_id: str) -> None:
    """The message reactions are sent to shows `arxiv_id`, as if Paperboy had posted it."""
    redis = Redis.from_url(redis_url)
    try:
        store = ChannelStore(redis, TeamStore(redis), channel_defaults(Settings.model_construct()))
        await store.map_message(
            TEAM, MessageRef(channel=channel(), message_id=MESSAGE_TS), arxiv_id
        )
    finally:
        await redis.aclose()


async def configure(redis_url: str, where: ChannelRef, **changes: Any) -> None:
    """Configure a channel as an admin would (`/paper lang en`): it gets the weekly digest."""
    redis = Redis.from_url(redis_url)
    try:
        store = ChannelStore(redis, TeamStore(redis), channel_defaults(Settings.model_construct()))
        await store.update(where, TEAM, **changes)
    finally:
        await redis.aclose()


async def voters(redis_url: str, arxiv_id: str) -> set[str]:
    """The users holding a vote on `arxiv_id` in the team, as Slack user ids."""
    redis = Redis.from_url(redis_url)
    try:
        stored = await redis.hkeys(keys.votes(TEAM, arxiv_id))
    finally:
        await redis.aclose()
    return {raw.decode().rpartition(":")[2] for raw in stored}


@dataclass
class Burst:
    """What a burst of reaction events saw: the users whose vote was answered 200."""

    acked: set[str] = field(default_factory=set)
    sent: int = 0
    refused: int = 0  # deliveries answered otherwise (or not at all), retries included


@dataclass
class SlackClient:
    """Slack's side of `POST /slack/events` of one `paperboy run slack --http` process."""

    base: str
    http: aiohttp.ClientSession
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)

    async def status(self, path: str = "/healthz") -> tuple[int, dict[str, Any]]:
        """(status, JSON body) of a GET; (0, {}) when nothing answers."""
        try:
            async with self.http.get(self.base + path) as answer:
                return answer.status, dict(await answer.json())
        except (aiohttp.ClientError, json.JSONDecodeError, OSError):
            return 0, {}

    async def post_event(self, body: str, retry: int) -> int:
        headers = {**signed_headers(body), "Content-Type": JSON}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
        try:
            async with self.http.post(self.base + "/slack/events", data=body, headers=headers) as a:
                await a.read()
                return a.status
        except (aiohttp.ClientError, OSError):
            return 0

    async def vote(self, user: str, burst: Burst) -> None:
        """One reaction event, delivered again after each non-200 as Slack does."""
        body = json.dumps(reaction_body(MESSAGE_TS, user=user))
        burst.sent += 1
        for retry, delay in enumerate((*self.retry_delays, None)):
            if await self.post_event(body, retry) == 200:
                burst.acked.add(user)
                return
            burst.refused += 1
            if delay is not None:
                await asyncio.sleep(delay)

    async def votes(self, users: list[str], burst: Burst, *, concurrency: int = 32) -> None:
        queue = iter(users)

        async def lane() -> None:
            for user in queue:
                await self.vote(user, burst)

        await asyncio.gather(*(lane() for _ in range(concurrency)))

    async def command(self, text: str, response_url: str) -> int:
        body = command_form(text, response_url=response_url)
        headers = {**signed_headers(body), "Content-Type": FORM}
        try:
            async with self.http.post(self.base + "/slack/events", data=body, headers=headers) as a:
                await a.read()
                return a.status
        except (aiohttp.ClientError, OSError):
            return 0


async def poll(check: Check, *, within: float, every: float = 0.05) -> float | None:
    """Seconds until `check` held, or None if it never did within `within` s."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(every)
    return None
