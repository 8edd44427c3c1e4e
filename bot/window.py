"""The covered window: which days a digest covers, written once for every path.

The rule (README, "The covered window"): a digest run covers **the seven days before the day of
the run**, in the channel's time zone — a Monday 09:00 run covers Monday to Sunday of the week
that just ended, a Friday run the Friday to Thursday before it. `--week 2024-W11` covers that
ISO week, Monday to Sunday in the channel's time zone. Every source is bounded by the window
(arXiv's submittedDate range, Hugging Face's lists of those days, links shared on those days),
and people read it as dates in their language ("Mar 11 – 17, 2024", "2024년 3월 11일~17일").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.weeks import iso_week

DAYS = 7


@dataclass(frozen=True)
class Window:
    """Days `first` to `last` (both included), read in time zone `zone`."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first instant covered (midnight of `first` in the zone)."""
        return datetime.combine(self.first, time(), self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the window (midnight after `last`)."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def iso_week(self) -> str | None:
        """The ISO week the window is exactly (Monday to Sunday), else None."""
        if self.first.isoweekday() == 1 and self.last == self.first + timedelta(days=6):
            return iso_week(self.first)
        return None

    def label(self, language: str) -> str:
        """The days as people write them in `language`: `Mar 11 – 17, 2024`."""
        return days_label(self.first, self.last, language)


def days_label(first: date, last: date, language: str) -> str:
    """Days `first` to `last` as people write them in `language` (Babel's CLDR interval
    formats): `Mar 11 – 17, 2024`, `2024년 3월 11일~17일`, `2024年3月11日～17日`."""
    from babel.dates import format_interval  # noqa: PLC0415  (bot.i18n says why)

    return format_interval(first, last, "yMMMd", locale=language)


def window_before(run: datetime, zone: ZoneInfo) -> Window:
    """The window a run at `run` covers: the seven days before its local day."""
    day = run.astimezone(zone).date()
    return Window(day - timedelta(days=DAYS), day - timedelta(days=1), zone)


def window_of_week(week: str, zone: ZoneInfo) -> Window:
    """ISO week `week` (validated by `bot.weeks.parse_week`), Monday to Sunday in `zone`."""
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return Window(monday, monday + timedelta(days=6), zone)
