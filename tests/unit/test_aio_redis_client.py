"""The event loop commands run on, and the hiredis command packer of the Redis client."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import weakref

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection

from bot.errors import ConfigError
from bot.services import aio, redis_client


async def _loop_class() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_where_it_is_installed() -> None:
    assert aio.run(_loop_class()).startswith("uvloop")
    assert aio.run(_loop_class(), loop="uvloop").startswith("uvloop")


def test_asyncio_opts_out() -> None:
    assert aio.run(_loop_class(), loop="asyncio").startswith("asyncio")


def test_asking_for_uvloop_without_it_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvloop" else real(name, *a)
    )
    main = _loop_class()
    with pytest.raises(ConfigError, match="PAPERBOY_EVENT_LOOP=uvloop: uvloop is not installed"):
        aio.run(main, loop="uvloop")
    assert aio.run(_loop_class()).startswith("asyncio")  # auto falls back quietly


@pytest.mark.parametrize(
    "args",
    [
        ("EVALSHA", "a" * 40, 0, "pb:", "", "slack:U1", "👍", 1, 1, "2026-W48", 86400),
        ("SET", "k", 0.1, "EX", 10),
        ("SET", b"\x00\xffbytes", 1e20),
        ("SCRIPT LOAD", "return 1"),  # redis-py's two-word command names
        (b"CLIENT SETNAME", "paperboy"),
        ("ZADD", "z", -1.5, "m", 3, "n"),
    ],
)
def test_the_hiredis_packer_writes_the_same_bytes(args: tuple[object, ...]) -> None:
    python = b"".join(Connection().pack_command(*args))  # type: ignore[arg-type]
    hiredis = b"".join(redis_client.HiredisConnection().pack_command(*args))  # type: ignore[arg-type]
    assert hiredis == python


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("redis://127.0.0.1:6379/0", Connection),
        ("rediss://example.invalid:6380/0", SSLConnection),
        ("unix:///tmp/redis.sock", UnixDomainSocketConnection),
    ],
)
async def test_connect_keeps_the_urls_connection_kind(url: str, base: type) -> None:
    client = redis_client.connect(url)
    cls = client.connection_pool.connection_class
    assert issubclass(cls, base)
    assert cls is redis_client.HIREDIS_CLASSES[base]
    await client.aclose()


async def test_commands_round_trip_through_the_hiredis_packer(redis_url: str) -> None:
    client, plain = redis_client.connect(redis_url), Redis.from_url(redis_url)
    try:
        await client.set("k", "값 ✓", ex=10)
        await client.zadd("z", {"a": 0.1, "b": -2})
        assert await client.get("k") == "값 ✓".encode()
        assert await client.zrange("z", 0, -1, withscores=True) == [(b"b", -2.0), (b"a", 0.1)]
        assert await plain.get("k") == "값 ✓".encode()  # as the Python packer's client reads it
    finally:
        await client.aclose()
        await plain.aclose()


async def test_in_flight_drain_waits_for_spawned_and_tracked_work() -> None:
    in_flight, finished = aio.InFlight(), []

    async def work(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    async def tracked() -> None:
        with in_flight.track():
            await work("tracked", 0.05)
            in_flight.spawn(work("spawned later", 0.05))  # started while draining: waited for

    in_flight.spawn(work("spawned", 0.02))
    task = asyncio.ensure_future(tracked())
    await asyncio.sleep(0)
    assert len(in_flight) == 2
    await in_flight.drain(grace=5)
    assert finished == ["spawned", "tracked", "spawned later"]
    assert len(in_flight) == 0
    await task


async def test_in_flight_drain_cancels_what_outlives_the_grace() -> None:
    in_flight = aio.InFlight()
    stuck = in_flight.spawn(asyncio.sleep(60))
    await in_flight.drain(grace=0.05)
    assert stuck.cancelled()


async def test_draining_from_tracked_work_does_not_wait_for_itself() -> None:
    in_flight = aio.InFlight()
    with in_flight.track():
        async with asyncio.timeout(1):
            await in_flight.drain(grace=5)


def test_server_gc_freezes_what_started_and_restores_the_settings() -> None:
    before = gc.get_threshold()
    with aio.server_gc():
        assert gc.get_threshold() == aio.GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
        cycle: list[object] = []
        cycle.append(cycle)  # cycles made while serving are still collected
        ref = weakref.ref(Node(cycle))
        gc.collect()
        assert ref() is None
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


class Node:
    def __init__(self, payload: object) -> None:
        self.me = self
        self.payload = payload
