"""The vote ledger: one vote per user per paper, whatever platform or emoji it came through.

A user's reactions on a paper are kept as a small hash (emoji -> value and order); the user's
vote is the value of their latest reaction still present. So 👍 then 👎 holds one down vote,
removing the 👎 again restores the 👍, and a 👍 plus a 🔥 removed one at a time stays an up
vote until the last one goes. Every change is one Lua script: one Redis round trip, atomic,
idempotent (the same add twice changes nothing).

A vote counts toward the ISO week it was cast in; when it changes later, the week it was
counted in is corrected, so weekly and all-time tallies always agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT

from bot.domain import MessageRef, Tally, VoteChange
from bot.services.aio import as_str, done
from bot.services.batching import BatchedScript
from bot.services.channels import message_key
from bot.services.guards import EVENT_TTL, event_key
from bot.weeks import iso_week

# KEYS: none (the ledger lives under ARGV[1] = prefix; single-node Redis).
# ARGV: prefix, paper, user, emoji, value (+1/-1), added (1/0), week
_VOTE = """
local p, user, emoji = ARGV[1], ARGV[3], ARGV[4]
local value, added, week = tonumber(ARGV[5]), ARGV[6] == '1', ARGV[7]
local rx = p .. 'rx:' .. paper .. ':' .. user
local ledger = p .. 'vote:' .. paper
if added then
  if redis.call('HEXISTS', rx, emoji) == 0 or
     string.sub(redis.call('HGET', rx, emoji), 1, 2) ~= (value > 0 and '+1' or '-1') then
    local seq = redis.call('INCR', p .. 'rxseq')
    redis.call('HSET', rx, emoji, (value > 0 and '+1' or '-1') .. ':' .. seq)
  end
else
  redis.call('HDEL', rx, emoji)
end
local current, best = 0, -1
local entries = redis.call('HGETALL', rx)
for i = 2, #entries, 2 do
  local v, s = string.match(entries[i], '^([+-]1):(%d+)$')
  if tonumber(s) > best then best = tonumber(s); current = tonumber(v) end
end
local old = redis.call('HGET', ledger, user)
local previous, oldweek = 0, week
if old then
  local v, w = string.match(old, '^([+-]1)|(.+)$')
  previous, oldweek = tonumber(v), w
end
local function bump(v, w, delta)
  if v == 0 then return end
  local field = v > 0 and 'up' or 'down'
  redis.call('HINCRBY', p .. 'tally:' .. paper, field, delta)
  redis.call('HINCRBY', p .. 'wtally:' .. w, paper .. ':' .. field, delta)
  redis.call('ZINCRBY', p .. 'lb:all', v * delta, paper)
  redis.call('ZINCRBY', p .. 'lb:week:' .. w, v * delta, paper)
end
if previous ~= current then
  bump(previous, oldweek, -1)
  if current == 0 then
    redis.call('HDEL', ledger, user)
  else
    redis.call('HSET', ledger, user, (current > 0 and '+1' or '-1') .. '|' .. week)
    bump(current, week, 1)
  end
end
local t = redis.call('HMGET', p .. 'tally:' .. paper, 'up', 'down')
local result = {previous, current, tonumber(t[1] or '0'), tonumber(t[2] or '0'), paper}
"""
_SCRIPT = "local paper = ARGV[2]\n" + _VOTE + "return result\n"

# A reaction event in the same single round trip: resolve the message to its paper (ARGV[8],
# the message-map key), skip an event id already counted (ARGV[9], '' for none), the vote
# itself, and only then mark the event counted (for ARGV[10] s): a script that fails midway
# (Redis does not roll back) leaves the event uncounted, so the platform's retry still counts.
# Returns {} when the message shows no paper or the event is a repeat.
_REACTION_SCRIPT = (
    """
local paper = redis.call('GET', ARGV[8])
if not paper then return {} end
if ARGV[9] ~= '' and redis.call('EXISTS', ARGV[9]) == 1 then return {} end
"""
    + _VOTE
    + """
if ARGV[9] ~= '' then redis.call('SET', ARGV[9], '1', 'EX', ARGV[10]) end
return result
"""
)


def _change(row: list[Any], user: str) -> VoteChange:
    """The script's reply `{previous, current, up, down, paper}` as a VoteChange."""
    previous, current, up, down, paper = row
    return VoteChange.model_validate(  # one validation for the change and its tally
        {
            "arxiv_id": as_str(paper),
            "user": user,
            "previous": previous,
            "current": current,
            "tally": {"up": up, "down": down},
        }
    )


class VoteStore:
    """Votes, tallies and leaderboards on Redis; every method is one round trip, and the votes
    cast at the same moment share theirs (`BatchedScript`)."""

    def __init__(self, redis: Redis, *, prefix: str = "pb:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = BatchedScript(redis, _SCRIPT)
        self._reaction = BatchedScript(redis, _REACTION_SCRIPT)

    @property
    def pipelines(self) -> int:
        """Round trips the vote scripts have made (each carries every vote queued meanwhile)."""
        return self._script.pipelines + self._reaction.pipelines

    async def record_reaction(
        self,
        message: MessageRef,
        user: str,
        emoji: str,
        value: int,
        *,
        added: bool,
        event_id: str | None = None,
        at: datetime | None = None,
    ) -> VoteChange | None:
        """A reaction on `message` as a vote, in ONE round trip: None when the message shows no
        paper or `event_id` was already counted (platforms redeliver events they think failed).
        """
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        platform = message.channel.platform
        event = event_key(self._prefix, platform, event_id) if event_id else ""
        args: list[EncodableT] = [
            self._prefix,
            "",
            f"{platform}:{user}",
            emoji,
            value,
            int(added),
            iso_week(at),
            message_key(self._prefix, message),
            event,
            EVENT_TTL,
        ]
        row = await self._reaction(args)
        return _change(row, f"{platform}:{user}") if row else None

    async def record_vote(
        self,
        arxiv_id: str,
        user: str,
        value: int,
        *,
        platform: str,
        message: MessageRef | None = None,
        emoji: str = "vote",
        at: datetime | None = None,
    ) -> VoteChange:
        """Add the user's `value` (+1 or -1) on the paper through `emoji`; idempotent."""
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        return await self._apply(arxiv_id, f"{platform}:{user}", emoji, value, added=True, at=at)

    async def remove_vote(
        self,
        arxiv_id: str,
        user: str,
        *,
        platform: str,
        emoji: str = "vote",
        message: MessageRef | None = None,
        at: datetime | None = None,
    ) -> VoteChange:
        """Withdraw the reaction `emoji`; the vote falls back to the user's remaining ones."""
        return await self._apply(arxiv_id, f"{platform}:{user}", emoji, 1, added=False, at=at)

    async def _apply(
        self,
        arxiv_id: str,
        user: str,
        emoji: str,
        value: int,
        *,
        added: bool,
        at: datetime | None,
    ) -> VoteChange:
        args: list[EncodableT] = [
            self._prefix,
            arxiv_id,
            user,
            emoji,
            value,
            int(added),
            iso_week(at),
        ]
        return _change(await self._script(args), user)

    async def tally(self, arxiv_id: str) -> Tally:
        up, down = await done(self._redis.hmget(f"{self._prefix}tally:{arxiv_id}", ["up", "down"]))
        return Tally(up=int(up or 0), down=int(down or 0))

    async def tallies(self, arxiv_ids: list[str], week: str | None = None) -> dict[str, Tally]:
        """Tallies of many papers in one round trip: all time, or of one ISO week."""
        if not arxiv_ids:
            return {}
        if week is None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for arxiv_id in arxiv_ids:
                    pipe.hmget(f"{self._prefix}tally:{arxiv_id}", ["up", "down"])
                rows: list[list[bytes | None]] = await pipe.execute()
        else:
            fields = [f"{i}:{f}" for i in arxiv_ids for f in ("up", "down")]
            flat = await done(self._redis.hmget(f"{self._prefix}wtally:{week}", fields))
            rows = [flat[i : i + 2] for i in range(0, len(flat), 2)]
        return {
            i: Tally(up=int(r[0] or 0), down=int(r[1] or 0))
            for i, r in zip(arxiv_ids, rows, strict=True)
        }

    async def leaderboard(
        self, week: str | None = None, limit: int = 10
    ) -> list[tuple[str, Tally]]:
        """Papers by net votes, best first: of one ISO week, or of all time (`week=None`)."""
        key = f"{self._prefix}lb:week:{week}" if week else f"{self._prefix}lb:all"
        rows = await self._redis.zrevrangebyscore(key, "+inf", 1, 0, limit, withscores=True)
        ids = [bytes(m).decode() for m, _ in sorted(rows, key=lambda r: (-r[1], r[0]))]
        tallies = await self.tallies(ids, week)
        return [(i, tallies[i]) for i in ids]

    async def user_vote(self, arxiv_id: str, user: str, *, platform: str) -> int:
        raw = await done(self._redis.hget(f"{self._prefix}vote:{arxiv_id}", f"{platform}:{user}"))
        return int(as_str(raw).split("|")[0]) if raw else 0
