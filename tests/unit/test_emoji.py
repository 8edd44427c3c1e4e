"""Reactions fold to one canonical character whichever platform they come from."""

from __future__ import annotations

import emoji as emoji_data
import pytest

from bot.emoji import DEFAULT_DOWN, DEFAULT_UP, SLACK_ONLY, VoteEmoji, canonical


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


# What Slack sends for a reaction (its iamcal short name, sometimes with a skin tone) and what
# Discord sends for the same reaction (the character itself).
SLACK_AND_DISCORD = [
    ("+1", "👍"),
    ("-1", "👎"),
    ("thumbsup", "👍🏻"),
    ("+1::skin-tone-4", "👍"),
    ("-1::skin-tone-2", "👎🏿"),
    ("fire", "🔥"),
    ("arrow_up", "⬆️"),
    ("arrow_up", "⬆"),
    ("arrow_down", "⬇️"),
    ("arrow_up_small", "🔼"),
    ("arrow_down_small", "🔽"),
    ("arrow_double_up", "⏫"),
    ("up", "🆙"),
    ("heavy_plus_sign", "➕"),
    ("heavy_minus_sign", "➖"),
    ("heavy_check_mark", "✔️"),
    ("white_check_mark", "✅"),
    ("x", "❌"),
    ("heart", "❤️"),
    ("star", "⭐"),
    ("star-struck", "🤩"),
    ("rocket", "🚀"),
    ("100", "💯"),
    ("tada", "🎉"),
    ("raised_hands::skin-tone-5", "🙌🏾"),
    ("clap::skin-tone-2", "👏🏻"),
    ("muscle", "💪"),
    ("ok_hand::skin-tone-6", "👌🏿"),
    ("pray", "🙏"),
    ("point_up", "☝️"),
    ("thinking_face", "🤔"),
    ("exploding_head", "🤯"),
    ("man-raising-hand::skin-tone-3", "🙋🏼‍♂️"),
    ("male-technologist", "👨‍💻"),
    ("man-woman-girl-boy", "👨‍👩‍👧‍👦"),
    ("large_green_circle", "🟢"),
    # Slack names the library lacks or reads as another character (SLACK_ONLY)
    ("the_horns::skin-tone-2", "🤘🏻"),
    ("first_place_medal", "🥇"),
    ("satellite", "🛰️"),
    ("octagonal_sign", "🛑"),
    ("keycap_star", "*️⃣"),
    # flags: Slack's `flag-xx` and plain country aliases
    ("flag-kr", "🇰🇷"),
    ("kr", "🇰🇷"),
    ("flag-tw", "🇹🇼"),
    ("jp", "🇯🇵"),
    ("us", "🇺🇸"),
    ("gb", "🇬🇧"),
    ("uk", "🇬🇧"),
]


@pytest.mark.parametrize(("slack", "discord"), SLACK_AND_DISCORD)
def test_slack_name_and_discord_character_fold_together(slack: str, discord: str) -> None:
    assert canonical(slack) != slack  # resolved to a character, not left as a name
    assert canonical(slack) == canonical(discord)


def test_up_is_the_up_button_not_an_arrow() -> None:
    assert canonical("up") == "🆙"
    assert canonical("up") != canonical("arrow_up")
    assert canonical("🆙") != canonical("⬆️")


def test_arrow_up_small_is_the_small_triangle() -> None:
    votes = VoteEmoji(up=("arrow_up_small",))
    assert votes.value("arrow_up_small") == 1
    assert votes.value("🔼") == 1
    assert votes.value("⬆️") is None
    assert votes.value("up") is None


@pytest.mark.parametrize("tone", [2, 3, 4, 5, 6])
def test_slack_skin_tones_two_to_six_fold(tone: int) -> None:
    assert canonical(f"+1::skin-tone-{tone}") == "👍"
    assert VoteEmoji().value(f"+1::skin-tone-{tone}") == 1


@pytest.mark.parametrize(
    "modifier", ["\U0001f3fb", "\U0001f3fc", "\U0001f3fd", "\U0001f3fe", "\U0001f3ff"]
)
def test_unicode_skin_modifiers_fold(modifier: str) -> None:
    assert canonical("👍" + modifier) == "👍"


@pytest.mark.parametrize(
    "not_a_tone",
    ["+1::skin-tone-1", "+1::skin-tone-7", "+1::skin-tone-", "+1::skin-tone-22", "+1::tone-3"],
)
def test_anything_else_is_not_a_skin_tone_and_not_a_vote(not_a_tone: str) -> None:
    assert canonical(not_a_tone) != "👍"
    assert VoteEmoji().value(not_a_tone) is None


def test_custom_emoji_keep_their_name() -> None:
    assert canonical("partyparrot") == "partyparrot"
    assert canonical(":upvote:") == "upvote"
    votes = VoteEmoji.from_settings("upvote", "downvote")
    assert votes.value("upvote") == 1
    assert votes.value(":downvote:") == -1
    assert votes.value("flag-zz") is None


def test_configured_names_match_both_platforms() -> None:
    votes = VoteEmoji.from_settings("+1, fire, arrow_up", "-1")
    for reaction in ("+1", "+1::skin-tone-3", "thumbsup", "👍", "👍🏽", "🔥", "⬆️", "arrow_up"):
        assert votes.value(reaction) == 1, reaction
    for reaction in ("-1", "-1::skin-tone-6", "thumbsdown", "👎", "👎🏿"):
        assert votes.value(reaction) == -1, reaction
    for reaction in ("up", "🆙", "eyes", "🔼", "+1::skin-tone-7"):
        assert votes.value(reaction) is None, reaction


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
    assert VoteEmoji.from_settings("", "").value("arrow_up") == 1
    assert (DEFAULT_UP, DEFAULT_DOWN) == (("+1", "fire", "arrow_up"), ("-1",))


@pytest.mark.parametrize(("name", "character"), sorted(SLACK_ONLY.items()))
def test_slack_only_table_holds_real_emoji(name: str, character: str) -> None:
    # The table exists because the library misses these names; these pins fail when it catches
    # up (or disagrees), so the entry can be dropped or rechecked.
    found = emoji_data.emojize(f":{name}:", language="alias")
    assert found.replace("\ufe0f", "") != character
    assert emoji_data.is_emoji(character)


def test_canonical_is_cached() -> None:
    canonical.cache_clear()
    canonical("+1::skin-tone-3")
    canonical("+1::skin-tone-3")
    assert canonical.cache_info().hits >= 1
