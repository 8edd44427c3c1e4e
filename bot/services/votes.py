"""The vote ledger: one vote per user per paper and team, whatever emoji it came through.

Votes belong to the team they were cast in (`bot.keys`: a Slack workspace, a Discord server, a
user's DMs). Linked teams share a ledger only when it is *read*: every read takes the group's
team keys (`bot.services.teams.TeamStore.ledger`) and adds their tallies, so unlinking splits
them again without rewriting a vote.

Layout, per team, sized for millions of votes:
- `v:{paper}`: a hash, user -> `week<TAB>±emoji<TAB>±emoji…`: the reactions the user has on the
  paper's messages, oldest first, and the ISO week the user's current vote is counted in. The
  user's vote is the sign of the newest reaction still present, so 👍 then 👎 holds one down
  vote, removing the 👎 restores the 👍, and 👍 plus 🔥 stays one up vote until both go. Small
  hashes stay in Redis's compact listpack encoding: a vote costs one short field and value.
- `tally` (`{paper}:u` / `{paper}:d`), `wtally:{week}` and the leaderboards `lb:all`,
  `lb:{week}`: counters kept in step by the same script, so reads never scan votes.

Every change is one Lua script: one round trip, atomic, idempotent (the same add twice changes
nothing); the reactions arriving at the same moment share their round trip (`BatchedScript`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.typing import EncodableT

from bot import keys
from bot.domain import MessageRef, Tally, VoteChange
from bot.services.aio import as_str
from bot.services.batching import BatchedScript
from bot.weeks import iso_week

EVENT_TTL = 3600  # Slack retries within minutes; an hour covers every redelivery
TALLY_CHUNK = 2000  # papers per HMGET: a 10k-candidate ranking reads its tallies in 5 commands

# Keys are built inside the script from ARGV[1], the team's prefix (`keys.team(team)`), with the
# suffixes `bot.keys` documents (`v:`, `tally`, `wtally:`, `lb:`): single-node Redis.
# ARGV: team prefix, user, emoji, value (+1/-1), added (1/0), week; `paper` is set before.
_VOTE = """
local p, user, emoji = ARGV[1], ARGV[2], ARGV[3]
local sign, added, week = (tonumber(ARGV[4]) > 0) and '+' or '-', ARGV[5] == '1', ARGV[6]
local vkey = p .. 'v:' .. paper
local function vote_of(list)
  if #list == 0 then return 0 end
  return string.sub(list[#list], 1, 1) == '+' and 1 or -1
end
local old, oldweek, list = redis.call('HGET', vkey, user), week, {}
if old then
  for part in string.gmatch(old, '[^\\t]+') do list[#list + 1] = part end
  oldweek = table.remove(list, 1)
end
local previous, kept, had = vote_of(list), {}, nil
for _, entry in ipairs(list) do
  if string.sub(entry, 2) == emoji then had = string.sub(entry, 1, 1) else kept[#kept + 1] = entry end
end
if added then
  if had == sign then kept = list else kept[#kept + 1] = sign .. emoji end
end
local current = vote_of(kept)
local counted = (previous ~= current) and week or oldweek
if #kept == 0 then
  redis.call('HDEL', vkey, user)
elseif had ~= sign or not added then
  redis.call('HSET', vkey, user, counted .. '\\t' .. table.concat(kept, '\\t'))
end
local function bump(v, w, delta)
  if v == 0 then return end
  local field = paper .. (v > 0 and ':u' or ':d')
  redis.call('HINCRBY', p .. 'tally', field, delta)
  redis.call('HINCRBY', p .. 'wtally:' .. w, field, delta)
  redis.call('ZINCRBY', p .. 'lb:all', v * delta, paper)
  redis.call('ZINCRBY', p .. 'lb:' .. w, v * delta, paper)
end
if previous ~= current then
  bump(previous, oldweek, -1)
  bump(current, week, 1)
end
local t = redis.call('HMGET', p .. 'tally', paper .. ':u', paper .. ':d')
local result = table.concat({previous, current, t[1] or '0', t[2] or '0', paper}, ' ')
"""

# A reaction event in one round trip: resolve the message to its paper (ARGV[7], the team's
# message-map key), skip an event id already counted (ARGV[8], '' for none), the vote itself,
# and only then mark the event counted (for EVENT_TTL s): a script that fails midway (Redis does
# not roll back) leaves the event uncounted, so the platform's retry still counts.
# Returns `previous current up down paper` in one string (a flat reply: `bot.services.batching`),
# nil when the message shows no paper or the event is a repeat.
_REACTION_SCRIPT = (
    """
local paper = redis.call('GET', ARGV[7])
if not paper then return nil end
if ARGV[8] ~= '' and redis.call('EXISTS', ARGV[8]) == 1 then return nil end
"""
    + _VOTE
    + f"""
if ARGV[8] ~= '' then redis.call('SET', ARGV[8], '1', 'EX', {EVENT_TTL}) end
return result
"""
)


# Every vote validates its change through this adapter: `VoteChange.model_validate` wraps the
# same validation in Python (pydantic 2.14: 2.0 µs against 1.6; `model_construct`, 4.8).
_VOTE_CHANGE = TypeAdapter(VoteChange)


def _this_week() -> str:
    """The ISO week (UTC) now, worked out once a second: weeks begin at a whole second."""
    return _week_of(int(time.time()))


@lru_cache(maxsize=1)
def _week_of(second: int) -> str:
    return iso_week(datetime.fromtimestamp(second, UTC))


def _change(reply: bytes | str, user: str) -> VoteChange:
    """The script's reply `previous current up down paper` as a VoteChange."""
    previous, current, up, down, paper = as_str(reply).split(" ")
    return _VOTE_CHANGE.validate_python(  # one validation for the change and its tally
        {
            "arxiv_id": paper,
            "user": user,
            "previous": previous,
            "current": current,
            "tally": {"up": up, "down": down},
        }
    )


class VoteStore:
    """Votes, tallies and leaderboards on Redis. Writes name the one team a vote was cast in;
    reads take a ledger: the team keys of a linked group (one team when it is not linked)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._reaction = BatchedScript(redis, _REACTION_SCRIPT)

    @property
    def round_trips(self) -> int:
        """Round trips the vote script has made (each carries every vote queued meanwhile)."""
        return self._reaction.round_trips

    async def record_reaction(
        self,
        team: str,
        message: MessageRef,
        user: str,
        emoji: str,
        value: int,
        *,
        added: bool,
        event_id: str | None = None,
        at: datetime | None = None,
    ) -> VoteChange | None:
        """A reaction on `message` in `team` as a vote, in ONE round trip: None when the
        message shows no paper or `event_id` was already counted (platforms redeliver)."""
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        platform = message.channel.platform
        args: list[EncodableT] = [
            keys.team(team),
            user,
            emoji,
            value,
            int(added),
            iso_week(at) if at else _this_week(),
            keys.message(team, message.key),
            keys.event(platform, event_id) if event_id else "",
        ]
        reply = await self._reaction(args)
        return _change(reply, f"{platform}:{user}") if reply else None

    async def tally(self, ledger: Sequence[str], arxiv_id: str) -> Tally:
        return (await self.tallies(ledger, [arxiv_id]))[arxiv_id]

    async def tallies(
        self, ledger: Sequence[str], arxiv_ids: Sequence[str], week: str | None = None
    ) -> dict[str, Tally]:
        """Tallies of many papers, all time or of one ISO week, summed over the ledger's
        teams: one round trip, one HMGET per team and chunk of papers."""
        ids = list(dict.fromkeys(arxiv_ids))
        if not ids or not ledger:
            return {i: Tally() for i in ids}
        chunks = [ids[i : i + TALLY_CHUNK] for i in range(0, len(ids), TALLY_CHUNK)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for team in ledger:
                key = keys.week_tallies(team, week) if week else keys.tallies(team)
                for chunk in chunks:
                    pipe.hmget(key, [f"{i}:{side}" for i in chunk for side in ("u", "d")])
            replies: list[list[bytes | None]] = await pipe.execute()
        return _summed(ids, chunks, replies)

    async def leaderboard(
        self, ledger: Sequence[str], week: str | None = None, limit: int = 10
    ) -> list[tuple[str, Tally]]:
        """Papers by net votes (at least +1), best first, of one ISO week or of all time."""
        if not ledger:
            return []
        boards = [keys.leaderboard(team, week) for team in ledger]
        if len(boards) == 1:
            rows = await self._redis.zrevrangebyscore(boards[0], "+inf", 1, withscores=True)
        else:
            rows = await self._redis.zunion(boards, withscores=True)
        ranked = sorted(
            ((as_str(member), score) for member, score in rows if score >= 1),
            key=lambda row: (-row[1], row[0]),
        )
        ids = [arxiv_id for arxiv_id, _ in ranked[:limit]]
        tallies = await self.tallies(ledger, ids, week)
        return [(i, tallies[i]) for i in ids]


def _summed(
    ids: list[str], chunks: list[list[str]], replies: list[list[bytes | None]]
) -> dict[str, Tally]:
    """Add the per-team HMGET replies (team-major, then chunk) into one Tally per paper."""
    up = dict.fromkeys(ids, 0)
    down = dict.fromkeys(ids, 0)
    for index, reply in enumerate(replies):
        chunk = chunks[index % len(chunks)]
        for position, arxiv_id in enumerate(chunk):
            up[arxiv_id] += int(reply[2 * position] or 0)
            down[arxiv_id] += int(reply[2 * position + 1] or 0)
    return {i: Tally(up=up[i], down=down[i]) for i in ids}
