"""Schedules as pure values: cron + IANA zone, the week a run belongs to, what is due when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import ChannelRef
from bot.services.channels import ChannelConfig, ChannelDefaults, channel_view
from bot.services.schedule import (
    BadSchedule,
    DueDigest,
    Schedule,
    check_cron,
    clock_from,
    due_digest,
    parse_zone,
    should_post,
)
from bot.window import window_before, window_of_week

CH = ChannelRef(platform="slack", channel_id="C1")
SEOUL = Schedule.of("0 9 * * MON", "Asia/Seoul")
DEFAULT = Schedule.of("0 9 * * MON", "UTC")
LATE_AFTER = timedelta(minutes=15)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("expression", ["0 9 * *", "61 9 * * MON", "0 9 * * MON 2024", "", "x"])
def test_bad_cron_says_how_to_write_one(expression: str) -> None:
    with pytest.raises(BadSchedule) as info:
        check_cron(expression)
    assert '"0 9 * * MON"' in str(info.value)
    assert "five fields" in str(info.value)


def test_bad_zone_names_examples() -> None:
    with pytest.raises(BadSchedule) as info:
        parse_zone("Seoul")
    assert "Asia/Seoul" in str(info.value)
    with pytest.raises(BadSchedule):
        parse_zone("../../etc/passwd")


def test_cron_is_normalised() -> None:
    assert check_cron("  0  9 * *   MON ") == "0 9 * * MON"
    assert Schedule.of("30 17 * * FRI", "Europe/Berlin").timezone == "Europe/Berlin"


def test_previous_and_next_runs_are_local() -> None:
    monday_0900_kst = at("2024-03-11T00:00:00+00:00")  # 09:00 in Seoul
    assert SEOUL.previous(monday_0900_kst) == at("2024-03-11T09:00:00+09:00")
    assert SEOUL.previous(monday_0900_kst - timedelta(seconds=1)) == at("2024-03-04T09:00:00+09:00")
    assert SEOUL.next(monday_0900_kst) == at("2024-03-18T09:00:00+09:00")


def test_daylight_saving_keeps_the_local_hour() -> None:
    berlin = Schedule.of("0 9 * * MON", "Europe/Berlin")
    winter = berlin.next(at("2024-03-20T00:00:00+00:00"))  # after the switch on 31 March
    assert winter.isoformat() == "2024-03-25T09:00:00+01:00"
    summer = berlin.next(winter)
    assert summer.isoformat() == "2024-04-01T09:00:00+02:00"


def test_due_from_the_run_until_the_end_of_its_week() -> None:
    run = at("2024-03-11T09:00:00+09:00")
    assert due_digest(CH, SEOUL, run - timedelta(minutes=1), late_after=LATE_AFTER) is None
    on_time = due_digest(CH, SEOUL, run + timedelta(minutes=1), late_after=LATE_AFTER)
    assert on_time == DueDigest(CH, "2024-W11", run, late=False)
    late = due_digest(CH, SEOUL, run + timedelta(days=2), late_after=LATE_AFTER)
    assert late is not None
    assert (late.week, late.late) == ("2024-W11", True)
    sunday_night = at("2024-03-17T23:59:00+09:00")
    assert due_digest(CH, SEOUL, sunday_night, late_after=LATE_AFTER) is not None
    next_monday_early = at("2024-03-18T08:00:00+09:00")  # last week's run is over and gone
    assert due_digest(CH, SEOUL, next_monday_early, late_after=LATE_AFTER) is None


def test_the_week_is_the_channels_not_utcs() -> None:
    # Monday 00:30 in Seoul is still Sunday in UTC: the key is Seoul's week.
    early = Schedule.of("30 0 * * MON", "Asia/Seoul")
    due = due_digest(CH, early, at("2024-03-10T15:31:00+00:00"), late_after=LATE_AFTER)
    assert due is not None
    assert due.week == "2024-W11"
    assert due.job_id == "digest:slack:C1:2024-W11"


def test_a_run_covers_the_seven_days_before_its_local_day() -> None:
    seoul, berlin = ZoneInfo("Asia/Seoul"), ZoneInfo("Europe/Berlin")
    monday = window_before(at("2024-03-11T09:00:00+09:00"), seoul)
    assert monday.iso_week == "2024-W10"  # a Monday run: the whole week that just ended
    friday = window_before(at("2024-03-15T17:00:00+01:00"), berlin)
    assert (friday.first, friday.last) == (date(2024, 3, 8), date(2024, 3, 14))
    assert friday.iso_week is None
    # 00:30 on Tuesday in Seoul is still Monday in UTC: the channel's zone decides the day.
    early = window_before(at("2024-03-11T15:30:00+00:00"), seoul)
    assert early.last == date(2024, 3, 11)


def test_a_week_covers_monday_to_sunday_in_the_channel_zone() -> None:
    window = window_of_week("2024-W11", ZoneInfo("Asia/Seoul"))
    assert window.start == at("2024-03-11T00:00:00+09:00")
    assert window.end == at("2024-03-18T00:00:00+09:00")
    assert window.label("en") == "Mar 11\u2009–\u200917, 2024"
    assert window.label("ko") == "2024년 3월 11일~17일"


def test_late_digests_only_when_the_scheduler_missed_the_run() -> None:
    run = at("2024-03-11T09:00:00+00:00")
    late = DueDigest(CH, "2024-W11", run, late=True)
    on_time = DueDigest(CH, "2024-W11", run, late=False)
    assert should_post(on_time, seen_until=run, attempted=False)
    assert should_post(late, seen_until=run - timedelta(hours=1), attempted=False)  # was down
    assert should_post(late, seen_until=None, attempted=False)  # first start ever
    assert should_post(late, seen_until=run + timedelta(hours=1), attempted=True)  # a retry
    # The scheduler was up at the run and did not enqueue it: the channel was added later.
    assert not should_post(late, seen_until=run + timedelta(minutes=1), attempted=False)


def schedule_of(config: ChannelConfig) -> Schedule | None:
    defaults = ChannelDefaults(language="en", digest_size=10, schedule=DEFAULT)
    return channel_view(CH, "slack:T1", config, defaults).schedule


def test_channel_fields_override_the_default() -> None:
    assert schedule_of(ChannelConfig()) == DEFAULT
    assert schedule_of(ChannelConfig(timezone="Asia/Seoul")) == SEOUL
    own = schedule_of(ChannelConfig(schedule="0 8 * * TUE"))
    assert own == Schedule.of("0 8 * * TUE", "UTC")
    assert schedule_of(ChannelConfig(digests=False)) is None


def test_test_clock_starts_where_told_and_runs_on() -> None:
    start = at("2024-03-11T08:59:59+00:00")
    clock = clock_from(start)
    first, second = clock(), clock()
    assert start <= first <= second < start + timedelta(seconds=5)
    assert abs(clock_from(None)() - datetime.now(UTC)) < timedelta(seconds=5)
