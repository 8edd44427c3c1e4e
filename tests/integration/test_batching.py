"""BatchedScript against a real Redis: concurrent calls share pipelines, each keeps its reply."""

from __future__ import annotations

import asyncio
import socket

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from bot.services.batching import BatchedScript

# INCRBY ARGV[1] by ARGV[2]; fails (a Lua error) when the amount is 'boom'.
COUNTER = """
if ARGV[2] == 'boom' then return redis.error_reply('no boom here') end
return {ARGV[1], redis.call('INCRBY', ARGV[1], ARGV[2])}
"""


async def test_one_call_goes_out_at_once_in_one_round_trip(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    assert await script(["k", 5]) == [b"k", 5]
    assert script.pipelines == 2  # the first call finds the script missing and loads it
    assert await script(["k", 1]) == [b"k", 6]
    assert script.pipelines == 3


async def test_concurrent_calls_share_pipelines_and_get_their_own_replies(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["warm", 1])
    before = script.pipelines
    replies = await asyncio.gather(*(script([f"k{i % 7}", i]) for i in range(500)))
    assert [key for key, _ in replies] == [f"k{i % 7}".encode() for i in range(500)]
    for k in range(7):  # each key ends at the sum of what was added to it, in queue order
        mine = [(i, total) for i, (key, total) in enumerate(replies) if key == f"k{k}".encode()]
        running = 0
        for i, total in mine:
            running += i
            assert total == running
    assert script.pipelines - before <= 3


async def test_batches_are_capped(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER, max_batch=50)
    await script(["warm", 1])
    before = script.pipelines
    await asyncio.gather(*(script(["n", 1]) for _ in range(500)))
    assert await redis.get("n") == b"500"
    assert script.pipelines - before >= 10


async def test_one_failing_call_fails_alone(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["warm", 1])
    results = await asyncio.gather(
        script(["a", 1]), script(["a", "boom"]), script(["a", 2]), return_exceptions=True
    )
    assert results[0] == [b"a", 1]
    assert isinstance(results[1], ResponseError)
    assert "no boom here" in str(results[1])
    assert results[2] == [b"a", 3]


async def test_a_script_redis_lost_is_loaded_again(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["k", 1])
    await redis.script_flush()  # as after a restart without persistence of scripts
    replies = await asyncio.gather(*(script(["k", 1]) for _ in range(20)))
    assert sorted(total for _, total in replies) == list(range(2, 22))


async def test_a_caller_cancelled_while_queued_is_not_sent_and_disturbs_no_one(
    redis: Redis,
) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["warm", 1])
    calls = [asyncio.ensure_future(script(["c", 1])) for _ in range(10)]
    await asyncio.sleep(0)  # every call is queued; the pipeline leaves on the next turn
    calls[3].cancel()
    done = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(done[3], asyncio.CancelledError)
    assert sorted(r[1] for i, r in enumerate(done) if i != 3) == list(range(1, 10))
    assert await script(["c", 0]) == [b"c", 9]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_lost_connection_reaches_every_caller() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{_closed_port()}", socket_connect_timeout=1)
    script = BatchedScript(client, COUNTER)
    try:
        results = await asyncio.gather(
            *(script(["k", 1]) for _ in range(5)), return_exceptions=True
        )
        assert all(isinstance(r, RedisConnectionError) for r in results)
        with pytest.raises(RedisConnectionError):  # and the next call is tried afresh
            await script(["k", 1])
    finally:
        await client.aclose()
