"""A minimum interval between requests, shared by every process that uses the same Redis.

arXiv's terms allow one request every 3 seconds for the whole deployment, not per process:
the Slack worker, the Discord worker and a CLI run must queue behind each other. Each caller
reserves the next free slot atomically (a Lua script reading the Redis server's own clock, so
hosts with skewed clocks still agree) and then sleeps until its slot. Reserving instead of
polling means no busy loop and first come, first served.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS[1] holds the next free slot in microseconds of Redis time; ARGV[1] is the interval in us.
# Returns {slot, now}; integers stay exact (microsecond timestamps are below 2^53).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
local until_free = slot + interval - now
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval),
           'PX', math.floor(until_free / 1000) + 1000)
return {slot, now}
"""


@dataclass(frozen=True)
class Slot:
    """A reservation: `at` is when the caller may go, `now` when it asked (Redis clock, seconds)."""

    at: float
    now: float

    @property
    def delay(self) -> float:
        return max(0.0, self.at - self.now)


class SharedInterval:
    """At most one acquisition per `interval` seconds across all processes sharing `redis`."""

    def __init__(self, redis: Redis, key: str, interval: float) -> None:
        self.redis = redis
        self.key = key
        self.interval = interval
        self._script = redis.register_script(_RESERVE)

    async def reserve(self) -> Slot:
        """Reserve the next free slot without waiting for it."""
        interval_us = max(0, round(self.interval * 1_000_000))
        slot_us, now_us = await self._script(keys=[self.key], args=[interval_us])
        return Slot(at=int(slot_us) / 1_000_000, now=int(now_us) / 1_000_000)

    async def wait(self) -> float:
        """Reserve a slot and sleep until it comes; returns the seconds slept."""
        slot = await self.reserve()
        if slot.delay > 0:
            await asyncio.sleep(slot.delay)
        return slot.delay
