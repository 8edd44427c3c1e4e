"""Typing glue for redis-py, whose stubs type commands as `Awaitable[T] | T`."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def done(result: Awaitable[T] | T) -> T:
    """Await a redis-py command result whatever its declared type (sync and async share stubs)."""
    return await result if inspect.isawaitable(result) else result


def as_str(value: bytes | str) -> str:
    """A Redis reply as text, whether the client decodes responses or not."""
    return value.decode() if isinstance(value, bytes) else value
