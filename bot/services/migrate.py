"""Moving data stored before teams existed into the team of the install it came from.

The first layout kept one global ledger (`pb:vote:{paper}`, `pb:rx:{paper}:{user}`,
`pb:tally:…`, `pb:lb:…`), message maps `pb:msg:{platform}:{channel}:{ts}`, channel settings
`pb:chan:{platform}:{channel}` (listed in the set `pb:channels`) and deliveries
`pb:digest:{channel}:{week}:…`. One install served one Slack workspace (its token's `auth.test`
team) and the Discord servers its bot was in, so every record's team is found from its platform:
Slack's install team, and for Discord the server the channel belongs to (asked of Discord) or
the one server the install serves.

Each record moves in one MULTI/EXEC transaction that writes the new keys and deletes the old
ones, so a migration cut off midway resumes where it stopped and nothing is counted twice; once
nothing old is left, `keys.LAYOUT` records the new layout and later starts skip the scan. Records
whose team cannot be learnt yet (the CLI ran before any adapter) stay where they are, logged,
until a start that knows the team.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from bot import keys
from bot.domain import ChannelRef
from bot.services.aio import as_str, done
from bot.services.teams import TeamStore, unassigned

if TYPE_CHECKING:
    from bot.ports import ChatPort  # annotations only: the ports module loads the renderer

log = logging.getLogger(__name__)
LAYOUT = "2"
OLD = keys.PREFIX


@dataclass
class _Report:
    moved: dict[str, int] = field(default_factory=dict)
    waiting: int = 0

    def count(self, kind: str) -> None:
        self.moved[kind] = self.moved.get(kind, 0) + 1


class _Teams:
    """Learns each legacy record's team, asking each platform once per channel."""

    def __init__(self, teams: TeamStore, chats: Mapping[str, ChatPort]) -> None:
        self._teams = teams
        self._chats = chats
        self._known: dict[str, str | None] = {}

    async def of_channel(self, channel_key: str) -> str | None:
        if channel_key not in self._known:
            self._known[channel_key] = await self._ask(ChannelRef.parse(channel_key))
        return self._known[channel_key]

    async def _ask(self, channel: ChannelRef) -> str | None:
        chat = self._chats.get(channel.platform)
        team = await chat.team_of(channel) if chat is not None else None
        return team or await self._teams.install(channel.platform)

    async def of_platform(self, platform: str) -> str | None:
        """The install's team, else the one team all of the platform's channels are in."""
        install = await self._teams.install(platform)
        seen = {t for key, t in self._known.items() if t and key.startswith(f"{platform}:")}
        return install or (seen.pop() if len(seen) == 1 else None)


async def migrate_legacy(redis: Redis, teams: TeamStore, chats: Mapping[str, ChatPort]) -> None:
    """Move every record of the first layout into its team (see the module docstring)."""
    if as_str(await redis.get(keys.LAYOUT) or b"") == LAYOUT:
        return
    report = _Report()
    learn = _Teams(teams, chats)
    paper_channels = await _move_messages(redis, learn, report)
    await _move_channels(redis, learn, report)
    await _move_votes(redis, learn, paper_channels, report)
    await _move_deliveries(redis, learn, report)
    if report.moved:
        log.info("migrated data stored before teams: %s", _describe(report.moved))
    if report.waiting:
        log.warning(
            "%d record(s) stored before teams wait for their team: start `paperboy run` or "
            "`paperboy worker` with the platform's token once to move them",
            report.waiting,
        )
        return
    await redis.set(keys.LAYOUT, LAYOUT)


def _describe(moved: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(moved.items()))


async def _scan(redis: Redis, pattern: str) -> list[str]:
    return sorted([as_str(k) async for k in redis.scan_iter(match=pattern, count=1000)])


# -- message maps ----------------------------------------------------------------------------------
async def _move_messages(
    redis: Redis, learn: _Teams, report: _Report
) -> dict[tuple[str, str], str]:
    """Message maps into their channel's team; the team each paper was posted in on each
    platform (a vote came through a message of its own platform)."""
    posted_in: dict[tuple[str, str], str] = {}
    for key in await _scan(redis, f"{OLD}msg:*"):
        message_key = key.removeprefix(f"{OLD}msg:")
        channel_key = message_key.rsplit(":", 1)[0]
        team = await learn.of_channel(channel_key)
        paper, ttl = await redis.get(key), await redis.ttl(key)
        if team is None or paper is None:
            report.waiting += team is None
            continue
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.message(team, message_key), paper, ex=ttl if ttl > 0 else None)
            pipe.delete(key)
            await pipe.execute()
        posted_in.setdefault((channel_key.partition(":")[0], as_str(paper)), team)
        report.count("message maps")
    return posted_in


# -- channel settings ------------------------------------------------------------------------------
async def _move_channels(redis: Redis, learn: _Teams, report: _Report) -> None:
    """Channel settings into their team, and the old channel set into the team registry."""
    listed = f"{OLD}channels"
    if await redis.type(listed) == b"set":
        for member in sorted(as_str(m) for m in await done(redis.smembers(listed))):
            if not await redis.exists(f"{OLD}chan:{member}"):
                await redis.set(f"{OLD}chan:{member}", "{}")  # listed without settings
        await redis.delete(listed)
    for key in await _scan(redis, f"{OLD}chan:*"):
        channel_key = key.removeprefix(f"{OLD}chan:")
        team = await learn.of_channel(channel_key)
        stored = await redis.get(key)
        if team is None or stored is None:
            report.waiting += team is None
            continue
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.channel_settings(team, channel_key), stored)
            pipe.hset(keys.CHANNELS, channel_key, team)
            pipe.delete(key)
            await pipe.execute()
        report.count("channel settings")


# -- votes -----------------------------------------------------------------------------------------
async def _move_votes(
    redis: Redis, learn: _Teams, posted_in: dict[tuple[str, str], str], report: _Report
) -> None:
    """Every user's vote and reactions into the team it came from, recounting the tallies."""
    for key in await _scan(redis, f"{OLD}vote:*"):
        paper = key.removeprefix(f"{OLD}vote:")
        ledger = {as_str(u): as_str(v) for u, v in (await done(redis.hgetall(key))).items()}
        for user, entry in sorted(ledger.items()):
            platform = user.partition(":")[0]
            team = posted_in.get((platform, paper)) or await learn.of_platform(platform)
            if team is None:
                report.waiting += 1
                continue
            await _move_vote(redis, team, paper, user, entry=entry)
            report.count("votes")
    if not await _scan(redis, f"{OLD}vote:*"):
        await _drop_old_counters(redis)


async def _move_vote(redis: Redis, team: str, paper: str, user: str, *, entry: str) -> None:
    user_id = user.partition(":")[2]
    value, _, week = entry.partition("|")
    reactions = await done(redis.hgetall(f"{OLD}rx:{paper}:{user}"))
    ordered = sorted(
        (int(as_str(v).split(":")[1]), as_str(v)[:1], as_str(e)) for e, v in reactions.items()
    )
    listed = [f"{'+' if sign == '+' else '-'}{emoji}" for _, sign, emoji in ordered]
    listed = listed or [f"{'+' if value.startswith('+') else '-'}vote"]
    field_ = f"{paper}:{'u' if value.startswith('+') else 'd'}"
    net = 1 if value.startswith("+") else -1
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.votes(team, paper), user_id, "\t".join([week, *listed]))
        pipe.hincrby(keys.tallies(team), field_, 1)
        pipe.hincrby(keys.week_tallies(team, week), field_, 1)
        pipe.zincrby(keys.leaderboard(team, None), net, paper)
        pipe.zincrby(keys.leaderboard(team, week), net, paper)
        pipe.hdel(f"{OLD}vote:{paper}", user)
        pipe.delete(f"{OLD}rx:{paper}:{user}")
        await pipe.execute()


async def _drop_old_counters(redis: Redis) -> None:
    """The old global counters, once every vote has moved (each team's were recounted)."""
    for pattern in ("tally:*", "wtally:*", "lb:*", "rx:*", "rxseq"):
        stale = await _scan(redis, f"{OLD}{pattern}")
        if stale:
            await redis.delete(*stale)


# -- deliveries ------------------------------------------------------------------------------------
async def _move_deliveries(redis: Redis, learn: _Teams, report: _Report) -> None:
    """Exactly-once records of digests already posted, so no week is posted twice."""
    for key in await _scan(redis, f"{OLD}digest:*"):
        rest = key.removeprefix(f"{OLD}digest:")
        platform, channel, week, part = rest.split(":", 3) if rest.count(":") >= 3 else ("",) * 4
        if not part:
            continue
        team = await learn.of_channel(f"{platform}:{channel}")
        if team is None:
            report.waiting += 1
            continue
        new = f"{keys.digest(team, f'{platform}:{channel}', week)}:{part}"
        async with redis.pipeline(transaction=True) as pipe:
            pipe.copy(key, new, replace=True)
            pipe.delete(key)
            await pipe.execute()
        report.count("digest records")


async def adopt_unassigned(redis: Redis, teams: TeamStore, chats: Mapping[str, ChatPort]) -> None:
    """Channels a CLI set up before any adapter knew their team (`{platform}:_`) move, with
    everything stored for them, into their real team once a chat port can tell it."""
    for channel, team in await teams.channels():
        if team != unassigned(channel.platform) or channel.platform not in chats:
            continue
        real = await _Teams(teams, chats).of_channel(channel.key)
        if real is None:
            continue
        moved = await _rename_prefix(redis, keys.team(team), keys.team(real), channel.key)
        await teams.place(channel, real)
        log.info("channel %s joined its team %s (%d record(s) moved)", channel.key, real, moved)


async def _rename_prefix(redis: Redis, old: str, new: str, channel_key: str) -> int:
    """RENAME the channel's keys under `old` to `new` (settings, shared links, deliveries)."""
    found = await _scan(redis, f"{old}*:{channel_key}") + await _scan(
        redis, f"{old}*:{channel_key}:*"
    )
    for key in found:
        await redis.rename(key, new + key.removeprefix(old))
    return len(found)
