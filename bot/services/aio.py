"""asyncio helpers: the event loop every command runs on, and typing glue for redis-py."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
from collections.abc import Awaitable, Coroutine
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
