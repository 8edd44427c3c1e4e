"""ISO weeks (`2024-W11`): the unit of digests, weekly tallies and exactly-once keys."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from bot.errors import BadReference
from bot.i18n import lazy

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(moment: datetime | date | None = None) -> str:
    moment = moment or datetime.now(UTC)
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> str:
    """A validated `YYYY-Www`; BadReference with an example otherwise."""
    match = _WEEK.match(text.strip())
    if not match:
        raise BadReference(lazy("Weeks look like 2024-W11, not {text}.", text=repr(text[:40])))
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadReference(
            lazy(
                "{year} has no week {week}: weeks look like 2024-W11",
                year=str(year),
                week=str(week),
            )
        ) from None
    return f"{year}-W{week:02d}"
