"""One Lua script called from many tasks at once, sent to Redis in shared pipelines.

Chat platforms deliver reactions as a stream of independent events, each answered on its own,
so every vote would otherwise pay one round trip's client-side work (connection checkout,
command packing, reply parsing, the event-loop hops) on its own. `BatchedScript` queues the
calls made while a pipeline is on its way and sends them together as the next one: under load
a round trip's cost is shared by every call in it; idle, a call still goes out on the next turn
of the event loop. Each call keeps its own reply or error, commands run in the order they were
queued, and at most `max_inflight` pipelines are out at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError
from redis.typing import EncodableT

Call = tuple[Sequence[EncodableT], "asyncio.Future[Any]"]


class BatchedScript:
    """`await script(args)` runs a Lua script by EVALSHA with no keys, batched with the
    concurrent calls (see the module docstring). Loads the script when Redis lost it."""

    def __init__(
        self, redis: Redis, source: str, *, max_batch: int = 512, max_inflight: int = 2
    ) -> None:
        self._redis = redis
        self._script = redis.register_script(source)
        self._max_batch = max_batch
        self._max_inflight = max_inflight
        self._pending: list[Call] = []
        self._inflight = 0
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.pipelines = 0  # pipelines sent, for the benchmarks' round-trip figure

    async def __call__(self, args: Sequence[EncodableT]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((args, future))
        self._schedule(loop)
        return await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._pending and not self._scheduled and self._inflight < self._max_inflight:
            self._scheduled = True
            loop.call_soon(self._flush, loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        batch = [call for call in self._pending[: self._max_batch] if not call[1].done()]
        del self._pending[: self._max_batch]
        if batch:
            self._inflight += 1
            task = loop.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._schedule(loop)

    async def _send(self, batch: list[Call]) -> None:
        try:
            replies = await self._replies([args for args, _ in batch])
        except BaseException as exc:  # connection lost, cancelled: every caller hears of it
            for _, future in batch:
                _settle(future, exc)
            if not isinstance(exc, Exception):
                raise
        else:
            for (_, future), reply in zip(batch, replies, strict=True):
                _settle(future, reply)
        finally:
            self._inflight -= 1
            self._schedule(asyncio.get_running_loop())

    async def _replies(self, calls: list[Sequence[EncodableT]]) -> list[Any]:
        """One reply (or error) per call; a script Redis lost (restart, SCRIPT FLUSH) is loaded
        once and the calls it refused are sent again."""
        replies = await self._pipeline(calls)
        lost = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if lost:
            await self._redis.script_load(self._script.script)
            again = await self._pipeline([calls[i] for i in lost])
            for i, reply in zip(lost, again, strict=True):
                replies[i] = reply
        return replies

    async def _pipeline(self, calls: list[Sequence[EncodableT]]) -> list[Any]:
        pipe = self._redis.pipeline(transaction=False)
        for args in calls:
            pipe.execute_command("EVALSHA", self._script.sha, 0, *args)
        self.pipelines += 1
        return await pipe.execute(raise_on_error=False)


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    """Hand a call its reply, or its error; not when its caller has given up (cancelled)."""
    if future.done():
        return
    if isinstance(outcome, asyncio.CancelledError):
        future.cancel()
    elif isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
