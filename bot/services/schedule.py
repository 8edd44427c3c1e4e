"""Weekly schedules: a cron expression in an IANA time zone per channel, and which digests are due.

Every known channel gets a digest on its schedule (default PAPERBOY_SCHEDULE, Mondays 09:00, in
PAPERBOY_TIMEZONE) unless an admin turned it off. A digest is keyed by (platform, channel, ISO
week of the run in the channel's time zone), so a channel gets one digest per week whatever the
cron says, and every replica computes the same key (`DueDigest.job_id`).

A run that is not done yet stays due until the end of its ISO week:
- on time while the scheduler checks within PAPERBOY_LATE_AFTER of the run;
- late (and the digest says so) when the scheduler was not running at the run's time (its last
  check, `pb:sched:tick`, is older than the run), or when an attempt at it failed and is retried.
A run the scheduler saw go by without enqueueing it (the channel did not exist yet, or had
another schedule) is not posted late: the channel waits for its next run.

"Now" is a `Clock`. Production uses the wall clock; `clock_from(test_now)` starts the clock at
PAPERBOY_TEST_NOW and lets it run on, which only the resilience tests and benchmarks set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from redis.asyncio import Redis

from bot import keys
from bot.domain import ChannelRef
from bot.errors import PaperboyError
from bot.i18n import lazy
from bot.services.aio import done
from bot.weeks import iso_week

if TYPE_CHECKING:
    from bot.services.channels import ChannelStore, ChannelView
    from bot.services.poster import DigestPoster

log = logging.getLogger(__name__)
DEFAULT_CRON = "0 9 * * MON"
ATTEMPT_TTL = 8 * 86400
MAX_BACKOFF = 3600
Clock = Callable[[], datetime]

_MAX_TICK = """
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > old then redis.call('SET', KEYS[1], ARGV[1]) end
return old
"""


class BadSchedule(PaperboyError):
    """A cron expression or time zone Paperboy cannot use; the message says how to fix it."""


def parse_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (`Asia/Seoul`, `UTC`), or BadSchedule with examples."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise BadSchedule(
            lazy(
                "Unknown time zone {zone}: use an IANA name such as Asia/Seoul, "
                "Europe/Berlin, America/New_York or UTC.",
                zone=repr(name.strip()[:60]),
            )
        ) from None


def check_cron(expression: str) -> str:
    """`expression` with single spaces if it is a five-field cron, else BadSchedule."""
    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(" ".join(fields)):
        raise BadSchedule(
            lazy(
                "{expression} is not a cron expression: use five fields "
                '(minute hour day-of-month month day-of-week), e.g. "0 9 * * MON" for Mondays '
                'at 09:00 or "30 17 * * FRI" for Fridays at 17:30.',
                expression=repr(expression.strip()[:60]),
            )
        )
    return " ".join(fields)


@dataclass(frozen=True)
class Schedule:
    """When a channel's digest runs: `cron` read in time zone `zone`."""

    cron: str
    zone: ZoneInfo

    @classmethod
    def of(cls, cron: str, timezone: str) -> Schedule:
        """A validated schedule; BadSchedule names what is wrong."""
        return cls(check_cron(cron), parse_zone(timezone))

    @property
    def timezone(self) -> str:
        return self.zone.key

    def previous(self, now: datetime) -> datetime:
        """The last run at or before `now`, in the schedule's zone."""
        local = now.astimezone(self.zone) + timedelta(microseconds=1)
        run: datetime = croniter(self.cron, local).get_prev(datetime)
        return run.astimezone(self.zone)

    def next(self, now: datetime) -> datetime:
        """The first run after `now`, in the schedule's zone."""
        run: datetime = croniter(self.cron, now.astimezone(self.zone)).get_next(datetime)
        return run.astimezone(self.zone)

    def describe(self) -> str:
        return f"`{self.cron}` ({self.timezone})"


@dataclass(frozen=True)
class DueDigest:
    """One channel's digest for one week: the unit of exactly-once delivery."""

    channel: ChannelRef
    week: str  # ISO week of the run in the channel's zone: the delivery key
    scheduled_for: datetime  # the run, in the channel's zone
    late: bool
    team: str = ""

    @property
    def job_id(self) -> str:
        """The arq job id: the same on every replica, so one job per (channel, week)."""
        return f"digest:{self.channel.key}:{self.week}"


def due_digest(
    channel: ChannelRef,
    schedule: Schedule,
    now: datetime,
    *,
    late_after: timedelta,
    team: str = "",
) -> DueDigest | None:
    """The channel's digest of this week if its run has come (pure: no I/O, no clock)."""
    local_now = now.astimezone(schedule.zone)
    run = schedule.previous(local_now)
    if iso_week(run) != iso_week(local_now):
        return None  # last week's run: too late to post, this week's has not come yet
    return DueDigest(channel, iso_week(run), run, late=now - run > late_after, team=team)


def posted_now(channel: ChannelRef, team: str, zone: ZoneInfo, now: datetime) -> DueDigest:
    """A digest posted by hand at `now`: keyed by this ISO week in the channel's zone, so the
    week's scheduled run finds it done."""
    local = now.astimezone(zone)
    return DueDigest(channel, iso_week(local), local, late=False, team=team)


def should_post(due: DueDigest, *, seen_until: datetime | None, attempted: bool) -> bool:
    """Whether a due digest that is not done should be (re)tried now.

    On time: yes. Late: only if it was attempted before (a retry), or the scheduler was not
    running at the run (`seen_until`, its previous check, is older than the run or unknown).
    """
    if not due.late or attempted or seen_until is None:
        return True
    return seen_until < due.scheduled_for


def clock_from(test_now: datetime | None) -> Clock:
    """The wall clock, or one that starts at `test_now` (tests only) and runs on from there."""
    if test_now is None:
        return lambda: datetime.now(UTC)
    start = test_now if test_now.tzinfo else test_now.replace(tzinfo=UTC)
    offset = start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


class Scheduler:
    """Reads every channel's schedule from Redis and lists the digests to (re)try now."""

    def __init__(
        self,
        redis: Redis,
        channels: ChannelStore,
        poster: DigestPoster,
        *,
        late_after: timedelta,
        clock: Clock,
    ) -> None:
        self._redis = redis
        self._channels = channels
        self._poster = poster
        self._late_after = late_after
        self.clock = clock
        self._max_tick = redis.register_script(_MAX_TICK)

    async def due(self, platforms: frozenset[str] | None = None) -> list[DueDigest]:
        """Digests to enqueue now (only on `platforms` when given); records this check."""
        now = self.clock()
        previous = await self._max_tick(keys=[keys.SCHEDULER_TICK], args=[f"{now.timestamp():.6f}"])
        seen = datetime.fromtimestamp(float(previous), UTC) if float(previous) else None
        found = []
        for view in await self._channels.views():
            channel = view.channel
            if channel is None or (platforms is not None and channel.platform not in platforms):
                continue
            due = await self._check(channel, view, now, seen)
            if due is not None:
                found.append(due)
        return found

    async def _check(
        self, channel: ChannelRef, view: ChannelView, now: datetime, seen: datetime | None
    ) -> DueDigest | None:
        if view.problem:
            log.warning("schedule of %s ignored: %s", channel.key, view.problem)
            return None
        due = view.schedule and due_digest(
            channel, view.schedule, now, late_after=self._late_after, team=view.team
        )
        if not due or await self._poster.is_done(due):
            return None
        key = _attempt_key(due)
        attempted, backing_off = (
            await self._redis.exists(key),
            await self._redis.exists(f"{key}:wait"),
        )
        if backing_off:
            return None
        return due if should_post(due, seen_until=seen, attempted=bool(attempted)) else None

    async def attempted(self, due: DueDigest) -> None:
        """Remember that `due` was enqueued, so a failed attempt is retried (late) all week."""
        await done(self._redis.set(_attempt_key(due), b"1", ex=ATTEMPT_TTL))

    async def failed(self, due: DueDigest) -> int:
        """Back off before the next attempt at `due`: 1, 2, 4... minutes, at most an hour."""
        key = _attempt_key(due)
        failures = int(await self._redis.incr(f"{key}:failures"))
        await self._redis.expire(f"{key}:failures", ATTEMPT_TTL)
        wait: int = min(MAX_BACKOFF, 60 * 2 ** min(failures - 1, 10))
        await done(self._redis.set(f"{key}:wait", b"1", ex=wait))
        return wait


def _attempt_key(due: DueDigest) -> str:
    return keys.schedule_attempt(due.team, due.channel.key, due.week)
