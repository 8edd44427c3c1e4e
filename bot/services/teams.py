"""Teams: who owns a channel, which teams share a ledger, and links made from chat.

A team key names one tenant: `slack:T123` (a workspace; with Enterprise Grid the workspace the
event came from), `discord:456` (a server), or `slack:@U123` / `discord:@42` (one user's direct
messages). Adapters put the team of every event into it; the CLI and the scheduler learn a
channel's team from the registry (`keys.CHANNELS`), written whenever a team uses a channel.

A lab on both platforms links its teams into one group (`paperboy team link`, or `/paper team
link` with a one-time code): reads of votes then cover every team of the group. Votes stay in
the team they were cast in, so `unlink` splits the ledger again.
"""

from __future__ import annotations

import re
import secrets

from redis.asyncio import Redis

from bot import keys
from bot.domain import ChannelRef
from bot.errors import BadReference
from bot.i18n import lazy
from bot.services.aio import as_str, done

UNASSIGNED = "_"  # the team of a channel no adapter has placed yet (a CLI set it up first)
CODE_TTL = 600
WRONG_CODES_PER_HOUR = 5
_TEAM = re.compile(r"^(slack|discord):@?[A-Za-z0-9_-]{1,40}$")
_CODE = re.compile(r"^[a-z]+-[a-z]+-\d{4}$")
_WORDS = [
    "amber",
    "arrow",
    "birch",
    "cedar",
    "cobalt",
    "coral",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "indigo",
    "jade",
    "lumen",
    "maple",
    "nova",
    "onyx",
    "orbit",
    "pebble",
    "quartz",
    "raven",
    "sage",
    "tidal",
    "umber",
    "velvet",
    "willow",
    "zephyr",
]


def parse_team(text: str) -> str:
    """A validated team key (`slack:T123`, `discord:456`); BadReference says the form."""
    team = text.strip()
    if not _TEAM.match(team):
        raise BadReference(
            lazy(
                "{team} is not a team: use slack:<workspace id> (T123…) or discord:<server id>",
                team=repr(team[:40]),
            )
        )
    return team


def dm_team(platform: str, user: str) -> str:
    """The team of one user's direct messages with Paperboy."""
    return f"{platform}:@{user}"


def unassigned(platform: str) -> str:
    return f"{platform}:{UNASSIGNED}"


class TeamStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    # -- channels ------------------------------------------------------------------------------
    async def place(self, channel: ChannelRef, team: str) -> None:
        """Record that `channel` belongs to `team` (adapters know it from every event)."""
        if team:
            await done(self._redis.hset(keys.CHANNELS, channel.key, team))

    async def team_of(self, channel: ChannelRef) -> str:
        """The channel's team: the registry's, else the platform's one install team, else the
        platform's unassigned team (adopted by the real team once an adapter sees the channel)."""
        known = await done(self._redis.hget(keys.CHANNELS, channel.key))
        if known:
            return as_str(known)
        return await self.install(channel.platform) or unassigned(channel.platform)

    async def channels(self) -> list[tuple[ChannelRef, str]]:
        """Every registered channel with its team, in a stable order."""
        rows = await done(self._redis.hgetall(keys.CHANNELS))
        pairs = sorted((as_str(k), as_str(v)) for k, v in rows.items())
        return [(ChannelRef.parse(channel), team) for channel, team in pairs]

    async def known(self) -> list[str]:
        """Every team Paperboy has met: in the channel registry, as an install, or linked."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hvals(keys.CHANNELS)
            pipe.hvals(keys.INSTALLS)
            pipe.hkeys(keys.TEAM_GROUP)
            found = await pipe.execute()
        teams = {as_str(team) for rows in found for team in rows}
        return sorted(t for t in teams if not t.endswith(f":{UNASSIGNED}"))

    # -- installs ------------------------------------------------------------------------------
    async def set_install(self, platform: str, team: str) -> None:
        """The team a single-team install serves (Slack's `auth.test` workspace)."""
        await done(self._redis.hset(keys.INSTALLS, platform, team))

    async def install(self, platform: str) -> str | None:
        raw = await done(self._redis.hget(keys.INSTALLS, platform))
        return as_str(raw) if raw else None

    # -- links ---------------------------------------------------------------------------------
    async def ledger(self, team: str) -> tuple[str, ...]:
        """The team keys whose votes `team` reads: its linked group, or itself alone."""
        group = await done(self._redis.hget(keys.TEAM_GROUP, team))
        if not group:
            return (team,)
        members = await done(self._redis.smembers(keys.group_members(as_str(group))))
        return tuple(sorted(as_str(m) for m in members)) or (team,)

    async def link(self, first: str, second: str) -> tuple[str, ...]:
        """Join the two teams' groups into one; the members of the joined group."""
        if first == second:
            raise BadReference(lazy("A team is always linked to itself: name two different teams."))
        members = set(await self.ledger(first)) | set(await self.ledger(second))
        group = min(members)
        async with self._redis.pipeline(transaction=True) as pipe:
            for member in members:
                pipe.hset(keys.TEAM_GROUP, member, group)
            pipe.sadd(keys.group_members(group), *members)
            for old in members - {group}:
                pipe.delete(keys.group_members(old))
            await pipe.execute()
        return tuple(sorted(members))

    async def unlink(self, team: str) -> tuple[str, ...]:
        """Take `team` out of its group; the members left in that group (empty if none)."""
        members = set(await self.ledger(team)) - {team}
        if not members:
            return ()
        group = min(members)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(keys.TEAM_GROUP, team)
            pipe.delete(keys.group_members(min(members | {team})))
            if len(members) == 1:
                pipe.hdel(keys.TEAM_GROUP, *members)
            else:
                for member in members:
                    pipe.hset(keys.TEAM_GROUP, member, group)
                pipe.sadd(keys.group_members(group), *members)
            await pipe.execute()
        return tuple(sorted(members)) if len(members) > 1 else ()

    async def groups(self) -> list[tuple[str, ...]]:
        """Every linked group (two or more teams), sorted."""
        rows = await done(self._redis.hgetall(keys.TEAM_GROUP))
        groups: dict[str, set[str]] = {}
        for team, group in rows.items():
            groups.setdefault(as_str(group), set()).add(as_str(team))
        return sorted(tuple(sorted(g)) for g in groups.values() if len(g) > 1)

    # -- links made from chat ------------------------------------------------------------------
    async def offer(self, team: str) -> str:
        """A one-time code that links `team` to the team whose admin enters it (10 minutes)."""
        code = f"{secrets.choice(_WORDS)}-{secrets.choice(_WORDS)}-{secrets.randbelow(10**4):04d}"
        await self._redis.set(keys.LINK_CODES + code, team, ex=CODE_TTL)
        return code

    async def redeem(self, code: str, team: str) -> tuple[str, ...]:
        """Link `team` with the team that offered `code`; the code works once. A team gets a
        few wrong codes an hour, so nobody can guess their way into another team's ledger."""
        wrong = keys.rate(team, "link-codes")
        if int(await self._redis.get(wrong) or 0) >= WRONG_CODES_PER_HOUR:
            raise BadReference(lazy("Too many wrong link codes: try again in an hour."))
        code = code.strip().lower()
        offered = await self._redis.getdel(keys.LINK_CODES + code) if _CODE.match(code) else None
        if not offered:
            if await self._redis.incr(wrong) == 1:  # the hour starts at the first wrong code
                await self._redis.expire(wrong, 3600)
            raise BadReference(lazy("That link code is unknown or expired: ask for a new one."))
        return await self.link(as_str(offered), team)
