"""Delivering a digest exactly once per (channel, ISO week), resumably.

The key `keys.digest(team, channel, week)` names one delivery. A lease (SET NX PX) lets
only one worker deliver at a time; the built digest is stored before the first post so a
resumed delivery posts the same content; each message's index is recorded as soon as it is
posted, so a worker killed mid-digest and restarted continues after the last posted message.
Once every message is posted the delivery is marked done and never runs again.

The lease is kept alive by a heartbeat while the worker builds and posts (a build may wait on
slow LLM calls), so it can be short: a worker killed with SIGKILL blocks the delivery for at
most one lease period (`lease` seconds, PAPERBOY_DIGEST_LEASE) before another worker resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys, metrics
from bot.domain import Digest
from bot.ports import ChatPort
from bot.render import render_digest
from bot.services import aio
from bot.services.aio import done
from bot.services.channels import ChannelStore
from bot.services.locks import TokenLocks
from bot.services.schedule import DueDigest

log = logging.getLogger(__name__)
LEASE_MS = 5 * 60 * 1000
KEEP = 60 * 86400


def _key(due: DueDigest) -> str:
    return keys.digest(due.team, due.channel.key, due.week)


class Outcome(StrEnum):
    POSTED = "posted"
    ALREADY_DONE = "already-done"
    BUSY = "busy"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    posted: int = 0


class DigestPoster:
    def __init__(
        self, redis: Redis, channels: ChannelStore, *, lease: float = LEASE_MS / 1000
    ) -> None:
        self._redis = redis
        self._channels = channels
        self._lease_ms = max(100, int(lease * 1000))
        self._locks = TokenLocks(redis)

    async def is_done(self, due: DueDigest) -> bool:
        return bool(await self._redis.exists(f"{_key(due)}:done"))

    async def deliver(
        self, chat: ChatPort, due: DueDigest, build: Callable[[], Awaitable[Digest]]
    ) -> Delivery:
        """Post `due` (a channel's digest of one week) unless it was already posted or is being
        posted; it says it is late when `due.late`."""
        key, channel, late = _key(due), due.channel, due.late
        if await self.is_done(due):
            return Delivery(Outcome.ALREADY_DONE)
        token = TokenLocks.new_token()
        if not await self._locks.acquire(f"{key}:lease", token, self._lease_ms):
            return Delivery(Outcome.BUSY)
        try:
            async with self._heartbeat(key, token):
                if await self.is_done(due):  # finished between our check and the lease
                    return Delivery(Outcome.ALREADY_DONE)
                digest = await self._content(key, build)
                posted = await self._post_missing(chat, due, key, token, digest)
                await self._redis.set(f"{key}:done", b"1", ex=KEEP)
        except Exception:
            metrics.DIGESTS_FAILED.labels(platform=channel.platform).inc()
            raise
        finally:
            await self._locks.release(f"{key}:lease", token)
        metrics.DIGESTS_POSTED.labels(platform=channel.platform, late=str(late).lower()).inc()
        return Delivery(Outcome.POSTED, posted)

    @contextlib.asynccontextmanager
    async def _heartbeat(self, key: str, token: str) -> AsyncIterator[None]:
        """Renew the lease every third of its period while the body runs."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self._lease_ms / 3000)
                try:
                    await self._locks.renew(f"{key}:lease", token, self._lease_ms)
                except RedisError as exc:  # the next renewal (or post) tries again
                    log.warning("could not renew the lease on %s: %s", key, exc)

        async with aio.running(beat()):
            yield

    async def _content(self, key: str, build: Callable[[], Awaitable[Digest]]) -> Digest:
        raw = await self._redis.get(f"{key}:content")
        if raw:
            return Digest.model_validate_json(raw)
        digest = await build()
        await self._redis.set(f"{key}:content", digest.model_dump_json(), ex=KEEP, nx=True)
        raw = await self._redis.get(f"{key}:content")
        return Digest.model_validate_json(raw) if raw else digest

    async def _post_missing(
        self, chat: ChatPort, due: DueDigest, key: str, token: str, digest: Digest
    ) -> int:
        channel = due.channel
        posted = {int(i) for i in await done(self._redis.hkeys(f"{key}:posted"))}
        count = 0
        for index, message in enumerate(render_digest(digest, late=due.late)):
            if index in posted:
                continue
            if not await self._locks.renew(f"{key}:lease", token, self._lease_ms):
                raise RuntimeError(f"lost the lease on {key}; another worker took over")
            ref = await chat.post(channel, message)
            await done(self._redis.hset(f"{key}:posted", str(index), ref.message_id))
            await self._redis.expire(f"{key}:posted", KEEP)
            if message.paper_id:
                await self._channels.map_message(due.team, ref, message.paper_id)
            count += 1
            metrics.DIGEST_MESSAGES.labels(platform=channel.platform).inc()
        log.info("digest %s: posted %d message(s)", key, count)
        return count
