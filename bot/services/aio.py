"""asyncio helpers: the event loop every command runs on, and typing glue for redis-py."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import inspect
from collections.abc import AsyncIterator, Awaitable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, Literal, TypeVar

from bot.errors import ConfigError

T = TypeVar("T")
Loop = Literal["auto", "uvloop", "asyncio"]


def run(main: Coroutine[Any, Any, T], *, loop: Loop = "auto") -> T:
    """Run `main` to completion on uvloop (libuv: cheaper sockets and callbacks, about a fifth
    less CPU per Slack reaction in bench/slack_reactions_bench.py) when `loop` is "auto" and
    uvloop is installed, or "uvloop"; else on asyncio's own loop."""
    if loop != "asyncio" and importlib.util.find_spec("uvloop") is not None:
        import uvloop  # noqa: PLC0415 (optional: no wheels on Windows)

        return uvloop.run(main)
    if loop == "uvloop":
        main.close()
        raise ConfigError(
            "PAPERBOY_EVENT_LOOP=uvloop: uvloop is not installed (pip install uvloop)"
        )
    return asyncio.run(main)


async def done(result: Awaitable[T] | T) -> T:
    """Await a redis-py command result whatever its declared type (sync and async share stubs)."""
    return await result if inspect.isawaitable(result) else result


def as_str(value: bytes | str) -> str:
    """A Redis reply as text, whether the client decodes responses or not."""
    return value.decode() if isinstance(value, bytes) else value


async def stop(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has finished; its cancellation is not an error."""
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


@asynccontextmanager
async def running(
    work: Coroutine[Any, Any, T], *, name: str | None = None
) -> AsyncIterator[asyncio.Task[T]]:
    """`work` as a task for the duration of the block, stopped (`stop`) on the way out."""
    task = asyncio.create_task(work, name=name)
    try:
        yield task
    finally:
        await stop(task)


# A gen-0 collection after this many new container objects, not CPython's default 700: a chat
# event allocates hundreds (Bolt's request and context, JSON, models), so the default runs one
# every few events and a full collection every few hundred.
GC_THRESHOLDS = (10_000, 10, 10)


@contextmanager
def server_gc() -> Iterator[None]:
    """Garbage collection for a long-running server process, once it has started: everything
    alive so far (modules, clients, settings) moves to the permanent generation (`gc.freeze`),
    so full collections stop re-traversing it, and young collections run less often
    (GC_THRESHOLDS). Cycles are still collected. The previous settings come back on exit.

    `paperboy run` and `paperboy worker` serve inside it; it took the Slack reaction endpoint
    from 0.145 to 0.123 ms of CPU per event (docs/benchmarks.md)."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


class InFlight:
    """Work that should finish before a shutdown (answers being posted, votes being recorded):
    `spawn()` starts a task, `track()` marks the current one, `drain()` waits for them all."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @contextmanager
    def track(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    async def drain(self, grace: float | None = None) -> None:
        """Wait for every task in flight (new ones included); cancel those past `grace` s."""
        while busy := self._tasks - {asyncio.current_task()}:
            _, pending = await asyncio.wait(busy, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
                return
