"""LLM token accounting per calendar month (UTC) in Redis, and the monthly budget check.

Every response's `usage` (prompt + completion tokens) is added to `pb:llm:tokens:{YYYY-MM}` and
the call to `pb:llm:calls:{YYYY-MM}`, so all processes of a deployment share one count. The
budget check reads the count before a call: concurrent calls may overshoot the budget by the
calls already in flight, which is accepted (a budget is a brake, not an invoice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import redis.asyncio as aioredis

from bot import keys

_KEEP_SECONDS = 400 * 24 * 3600  # a little over a year of monthly counters


class TokenUsage(Protocol):
    """The part of an OpenAI `usage` object that is counted."""

    @property
    def prompt_tokens(self) -> int: ...

    @property
    def completion_tokens(self) -> int: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


class LLMUsage:
    """Monthly token and call counters; `over_budget()` once the budget is spent."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        monthly_token_budget: int | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._redis = redis
        self._budget = monthly_token_budget
        self._now = now

    def current_month(self) -> str:
        return month_of(self._now())

    async def add(self, usage: TokenUsage | None) -> int:
        """Count one call and its tokens (0 when the server sent no usage); month total back."""
        tokens = (usage.prompt_tokens + usage.completion_tokens) if usage else 0
        month = self.current_month()
        tokens_key, calls_key = keys.llm_tokens(month), keys.llm_calls(month)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.incrby(tokens_key, tokens)
            pipe.incr(calls_key)
            pipe.expire(tokens_key, _KEEP_SECONDS)
            pipe.expire(calls_key, _KEEP_SECONDS)
            total, *_ = await pipe.execute()
        return int(total)

    async def spent(self, month: str | None = None) -> int:
        """Tokens counted in `month` (YYYY-MM, default the current one)."""
        value = await self._redis.get(keys.llm_tokens(month or self.current_month()))
        return int(value or 0)

    async def calls(self, month: str | None = None) -> int:
        value = await self._redis.get(keys.llm_calls(month or self.current_month()))
        return int(value or 0)

    async def over_budget(self) -> bool:
        """True when a budget is set and this month's tokens reached it."""
        if self._budget is None:
            return False
        return await self.spent() >= self._budget
