from datetime import date

import pytest

from bot.errors import BadReference
from bot.weeks import iso_week, parse_week


def test_weeks() -> None:
    assert parse_week(" 2024-W11 ") == "2024-W11"
    assert iso_week(date(2024, 3, 11)) == "2024-W11"
    assert iso_week(date(2024, 1, 1)) == "2024-W01"
    with pytest.raises(BadReference, match="2024-W11"):
        parse_week("2024-11")
    with pytest.raises(BadReference, match="no week 53"):
        parse_week("2023-W53")
