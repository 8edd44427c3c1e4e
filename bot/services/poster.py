"""Delivering a digest exactly once per (channel, ISO week), resumably.

The key `pb:digest:{platform}:{channel}:{week}` names one delivery. A lease (SET NX PX) lets
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

from bot import metrics
from bot.domain import ChannelRef, Digest
from bot.ports import ChatPort
from bot.render import render_digest
from bot.services import aio
from bot.services.aio import done
from bot.services.channels import ChannelStore
from bot.services.locks import TokenLocks

log = logging.getLogger(__name__)
LEASE_MS = 5 * 60 * 1000
KEEP = 60 * 86400


class Outcome(StrEnum):
    POSTED = "posted"
    ALREADY_DONE = "already-done"
    BUSY = "busy"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    posted: int = 0


def digest_key(channel: ChannelRef, week: str) -> str:
    return f"pb:digest:{channel.key}:{week}"


class DigestPoster:
    def __init__(
        self, redis: Redis, channels: ChannelStore, *, lease: float = LEASE_MS / 1000
    ) -> None:
        self._redis = redis
        self._channels = channels
        self._lease_ms = max(100, int(lease * 1000))
        self._locks = TokenLocks(redis)

    async def is_done(self, channel: ChannelRef, week: str) -> bool:
        return bool(await self._redis.exists(f"{digest_key(channel, week)}:done"))

    async def deliver(
        self,
        chat: ChatPort,
        channel: ChannelRef,
        week: str,
        build: Callable[[], Awaitable[Digest]],
        *,
        late: bool = False,
    ) -> Delivery:
        """Post the week's digest in `channel` unless it was already posted or is being posted."""
        key = digest_key(channel, week)
        if await self.is_done(channel, week):
            return Delivery(Outcome.ALREADY_DONE)
        token = TokenLocks.new_token()
        if not await self._locks.acquire(f"{key}:lease", token, self._lease_ms):
            return Delivery(Outcome.BUSY)
        try:
            async with self._heartbeat(key, token):
                if await self.is_done(channel, week):  # finished between our check and the lease
                    return Delivery(Outcome.ALREADY_DONE)
                digest = await self._content(key, build)
                posted = await self._post_missing(chat, channel, key, token, digest, late=late)
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
        self,
        chat: ChatPort,
        channel: ChannelRef,
        key: str,
        token: str,
        digest: Digest,
        *,
        late: bool,
    ) -> int:
        posted = {int(i) for i in await done(self._redis.hkeys(f"{key}:posted"))}
        count = 0
        for index, message in enumerate(render_digest(digest, late=late)):
            if index in posted:
                continue
            if not await self._locks.renew(f"{key}:lease", token, self._lease_ms):
                raise RuntimeError(f"lost the lease on {key}; another worker took over")
            ref = await chat.post(channel, message)
            await done(self._redis.hset(f"{key}:posted", str(index), ref.message_id))
            await self._redis.expire(f"{key}:posted", KEEP)
            if message.paper_id:
                await self._channels.map_message(ref, message.paper_id)
            count += 1
            metrics.DIGEST_MESSAGES.labels(platform=channel.platform).inc()
        log.info("digest %s: posted %d message(s)", key, count)
        return count
