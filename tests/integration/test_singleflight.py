"""Single flight on a real Redis: one computation per key across callers and clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.services.singleflight import FlightTimeoutError, SingleFlight

KEY = "pb:test:flight"


@pytest.fixture
async def other_redis(redis: aioredis.Redis, redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A second client, as another process would have (depends on `redis` for the flush)."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


class Counter:
    def __init__(self, value: bytes = b"v", *, durable: bool = True, pause: float = 0.2) -> None:
        self.calls = 0
        self.value, self.durable, self.pause = value, durable, pause

    async def __call__(self) -> tuple[bytes, bool]:
        self.calls += 1
        await asyncio.sleep(self.pause)
        return self.value + str(self.calls).encode(), self.durable


async def test_fifty_callers_on_two_clients_compute_once(
    redis: aioredis.Redis, other_redis: aioredis.Redis
) -> None:
    here, there = SingleFlight(redis), SingleFlight(other_redis)
    compute = Counter()
    flights = await asyncio.gather(*(flight.run(KEY, compute) for flight in [here, there] * 25))
    assert compute.calls == 1
    assert {f.value for f in flights} == {b"v1"}
    assert sum(f.led for f in flights) == 1
    assert await redis.get(KEY) == b"v1"
    assert await redis.get(SingleFlight.lock_key(KEY)) is None  # released


async def test_a_cached_value_is_never_recomputed(redis: aioredis.Redis) -> None:
    await redis.set(KEY, b"cached")
    compute = Counter()
    flight = await SingleFlight(redis).run(KEY, compute)
    assert (flight.value, flight.led, compute.calls) == (b"cached", False, 0)


async def test_a_non_durable_result_is_shared_with_waiters_but_not_cached(
    redis: aioredis.Redis,
) -> None:
    flight = SingleFlight(redis, fallback_ttl=600)
    compute = Counter(b"fallback", durable=False)
    flights = await asyncio.gather(*(flight.run(KEY, compute) for _ in range(20)))
    assert compute.calls == 1
    assert {f.value for f in flights} == {b"fallback1"}
    assert await redis.get(KEY) is None
    attempts = [k async for k in redis.scan_iter("pb:attempt:*")]
    assert len(attempts) == 1
    assert 0 < await redis.ttl(attempts[0]) <= 600

    again = await flight.run(KEY, compute)  # a later caller tries again
    assert (again.value, again.led, compute.calls) == (b"fallback2", True, 2)


async def test_a_crashed_leaders_lock_expires_and_a_waiter_takes_over(
    redis: aioredis.Redis,
) -> None:
    await redis.set(SingleFlight.lock_key(KEY), "dead-leader", px=300)
    compute = Counter(pause=0)
    flight = await SingleFlight(redis, wait_timeout=10).run(KEY, compute)
    assert (flight.value, flight.led, compute.calls) == (b"v1", True, 1)


async def test_a_slow_leader_keeps_its_lock_alive(redis: aioredis.Redis) -> None:
    flight = SingleFlight(redis, lock_ttl=0.3)
    compute = Counter(pause=1.0)  # more than three lock lifetimes
    first = asyncio.create_task(flight.run(KEY, compute))
    await asyncio.sleep(0.6)
    second = await flight.run(KEY, compute)
    assert (await first).value == second.value == b"v1"
    assert compute.calls == 1


async def test_waiting_is_bounded(redis: aioredis.Redis) -> None:
    await redis.set(SingleFlight.lock_key(KEY), "busy-leader", px=60_000)
    with pytest.raises(FlightTimeoutError):
        await SingleFlight(redis, wait_timeout=0.3).run(KEY, Counter())


async def test_a_failed_computation_releases_the_lock(redis: aioredis.Redis) -> None:
    async def boom() -> tuple[bytes, bool]:
        raise RuntimeError("boom")

    flight = SingleFlight(redis)
    with pytest.raises(RuntimeError):
        await flight.run(KEY, boom)
    assert await redis.get(SingleFlight.lock_key(KEY)) is None
    assert (await flight.run(KEY, Counter(pause=0))).value == b"v1"


async def test_the_lock_is_released_only_by_its_holder(redis: aioredis.Redis) -> None:
    lock = SingleFlight.lock_key(KEY)

    async def lose_the_lock() -> tuple[bytes, bool]:
        await redis.set(lock, "someone-else")  # our lock expired and another caller took it
        return b"v", True

    await SingleFlight(redis).run(KEY, lose_the_lock)
    assert await redis.get(lock) == b"someone-else"


async def test_works_with_a_decoding_client(other_redis: aioredis.Redis) -> None:
    flight = SingleFlight(other_redis)
    first = await flight.run(KEY, Counter(pause=0))
    second = await flight.run(KEY, Counter(pause=0))
    assert first.value == second.value == b"v1"
    assert (first.led, second.led) == (True, False)
