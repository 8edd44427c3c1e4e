"""ISO weeks (`2024-W11`): the unit of digests, weekly tallies and exactly-once keys."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from bot.errors import BadReference

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(moment: datetime | date | None = None) -> str:
    moment = moment or datetime.now(UTC)
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> str:
    """A validated `YYYY-Www`; BadReference with an example otherwise."""
    match = _WEEK.match(text.strip())
    if not match:
        raise BadReference(f"week must look like 2024-W11, not {text[:40]!r}")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadReference(f"{year} has no week {week}: weeks look like 2024-W11") from None
    return f"{year}-W{week:02d}"
