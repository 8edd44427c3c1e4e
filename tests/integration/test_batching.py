"""BatchedScript against a real Redis: concurrent calls share one EVALSHA, each keeps its reply."""

from __future__ import annotations

import asyncio
import socket

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.services.batching import BatchedScript

# INCRBY ARGV[1] by ARGV[2]; fails (an error reply) when the amount is 'boom'.
COUNTER = """
if ARGV[2] == 'boom' then return redis.error_reply('no boom here') end
return {ARGV[1], redis.call('INCRBY', ARGV[1], ARGV[2])}
"""

# Each way a call can end: a value of each type, nothing, or an error of each kind.
OUTCOMES = """
local what = ARGV[1]
if what == 'string' then return 'text' end
if what == 'number' then return 42 end
if what == 'nil' then return nil end
if what == 'table' then return {1, 'two', {3}} end
if what == 'args' then return #ARGV end
if what == 'refused' then return redis.call('INCRBY', 'a-number', 'not a number') end
if what == 'lua' then return nil + 1 end
if what == 'raised' then error('raised on purpose') end
return redis.error_reply('replied ' .. what)
"""


async def test_one_call_goes_out_at_once_in_one_round_trip(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    assert await script(["k", 5]) == [b"k", 5]
    assert script.round_trips == 2  # the first call finds the script missing and loads it
    assert await script(["k", 1]) == [b"k", 6]
    assert script.round_trips == 3


async def test_concurrent_calls_share_pipelines_and_get_their_own_replies(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["warm", 1])
    before = script.round_trips
    replies = await asyncio.gather(*(script([f"k{i % 7}", i]) for i in range(500)))
    assert [key for key, _ in replies] == [f"k{i % 7}".encode() for i in range(500)]
    for k in range(7):  # each key ends at the sum of what was added to it, in queue order
        mine = [(i, total) for i, (key, total) in enumerate(replies) if key == f"k{k}".encode()]
        running = 0
        for i, total in mine:
            running += i
            assert total == running
    assert script.round_trips - before <= 3


async def test_batches_are_capped(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER, max_batch=50)
    await script(["warm", 1])
    before = script.round_trips
    await asyncio.gather(*(script(["n", 1]) for _ in range(500)))
    assert await redis.get("n") == b"500"
    assert script.round_trips - before >= 10


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


async def test_every_outcome_reaches_its_own_caller_and_the_next_call_still_runs(
    redis: Redis,
) -> None:
    script = BatchedScript(redis, OUTCOMES)
    await script(["string"])
    kinds = ["string", "number", "nil", "table", "refused", "lua", "raised", "reply", "string"]
    before = script.round_trips
    outcomes = await asyncio.gather(
        *(script([kind]) for kind in kinds), script(["args", "b", "c"]), return_exceptions=True
    )
    assert script.round_trips - before == 1  # all of them in one EVALSHA
    assert outcomes[:4] == [b"text", 42, None, [1, b"two", [3]]]
    errors = outcomes[4:8]
    assert all(isinstance(e, ResponseError) for e in errors)
    assert "not an integer" in str(errors[0])  # Redis's own refusal
    assert "attempt to perform arithmetic" in str(errors[1])
    assert "raised on purpose" in str(errors[2])
    assert str(errors[3]) == "replied reply"
    assert outcomes[8:] == [b"text", 3]  # each call sees its own arguments only


async def test_a_script_redis_lost_is_loaded_again(redis: Redis) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["k", 1])
    await redis.script_flush()  # as after a restart without persistence of scripts
    before = script.round_trips
    replies = await asyncio.gather(*(script(["k", 1]) for _ in range(20)))
    assert sorted(total for _, total in replies) == list(range(2, 22))  # each counted once
    assert script.round_trips - before == 2  # refused whole (NOSCRIPT), loaded, sent again


async def test_a_caller_cancelled_while_queued_is_not_sent_and_disturbs_no_one(
    redis: Redis,
) -> None:
    script = BatchedScript(redis, COUNTER)
    await script(["warm", 1])

    async def caller() -> list[object]:
        reply: list[object] = await script(["c", 1])
        return reply

    calls = [asyncio.ensure_future(caller()) for _ in range(10)]
    await asyncio.sleep(0)  # every caller has queued its call; the batch leaves on the next turn
    calls[3].cancel()
    done = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(done[3], asyncio.CancelledError)
    assert sorted(r[1] for i, r in enumerate(done) if i != 3) == list(range(1, 10))
    assert await script(["c", 0]) == [b"c", 9]


# Busy for 0.8 s in Redis when ARGV[1] is 'slow' (Redis answers nobody meanwhile).
SLOW = """
if ARGV[1] == 'slow' then
  local t = redis.call('TIME')
  local start = t[1] * 1000000 + t[2]
  repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 800000
end
return ARGV[1]
"""


async def test_a_round_trip_that_times_out_leaves_no_stale_reply_to_the_next(
    redis_url: str,
) -> None:
    client = Redis.from_url(redis_url, socket_timeout=0.5)
    script = BatchedScript(client, SLOW)
    try:
        await script(["warm"])
        slow = script(["slow"])
        await asyncio.sleep(0.1)  # out; the next call waits for it, on the connection it holds
        assert await script(["fast"]) == b"fast"  # not the slow call's late reply
        with pytest.raises(RedisTimeoutError):
            await slow
    finally:
        await client.aclose()


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
