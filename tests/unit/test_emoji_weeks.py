import pytest

from bot.errors import BadReference
from bot.weeks import iso_week, parse_week, previous_week, week_bounds


def test_weeks() -> None:
    assert parse_week(" 2024-W11 ") == "2024-W11"
    assert previous_week("2024-W01") == "2023-W52"
    start, end = week_bounds("2024-W11")
    assert (start.isoformat(), end.isoformat()) == (
        "2024-03-11T00:00:00+00:00",
        "2024-03-18T00:00:00+00:00",
    )
    assert iso_week(start) == "2024-W11"
    with pytest.raises(BadReference, match="2024-W11"):
        parse_week("2024-11")
    with pytest.raises(BadReference, match="no week 53"):
        parse_week("2023-W53")
