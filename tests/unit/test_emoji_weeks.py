import pytest

from bot.emoji import VoteEmoji, canonical
from bot.errors import BadReference
from bot.weeks import iso_week, parse_week, previous_week, week_bounds


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1", "👍"),
        ("+1::skin-tone-3", "👍"),
        ("thumbsup", "👍"),
        ("👍🏽", "👍"),
        ("👍\ufe0f", "👍"),
        (":fire:", "🔥"),
        ("arrow_up", "⬆"),
        ("⬆️", "⬆"),
        ("-1::skin-tone-6", "👎"),
        ("eyes", "👀"),
    ],
)
def test_canonical_folds_skin_tones_aliases_and_variation_selectors(
    raw: str, expected: str
) -> None:
    assert canonical(raw) == expected


def test_vote_values_default_and_configured() -> None:
    default = VoteEmoji()
    assert default.value("thumbsup") == 1
    assert default.value("🔥") == 1
    assert default.value("⬆️") == 1
    assert default.value("-1::skin-tone-2") == -1
    assert default.value("eyes") is None
    custom = VoteEmoji.from_settings("star, heart", "")
    assert custom.value("⭐") == 1
    assert custom.value("+1") is None
    assert custom.value("-1") == -1


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
