"""Which reactions are votes. Platforms name emoji differently (Slack `+1::skin-tone-3`,
Discord `👍🏽`); both are folded to one canonical character before the core decides.

Names are resolved through the `emoji` package's aliases (GitHub/Slack-style and CLDR names), so a
configured name (`PAPERBOY_VOTE_UP=+1,fire,arrow_up`) means the same character that a Discord user
reacts with. Slack's names come from iamcal's emoji-data; most are aliases in the library, and the
rest are handled by the few rules and the small table below. A name nothing resolves stays itself:
that is how custom emoji (Slack `:partyparrot:`, Discord `<:upvote:…>` sent as `upvote`) match.
"""

from __future__ import annotations

import re
from functools import lru_cache

import emoji as emoji_data

# Slack short names that the `emoji` package lacks, or resolves to another character (its
# `satellite` is 📡, Slack's is 🛰). Only names people plausibly react with are listed; Slack's
# people and family names mostly resolve through _SLACK_PREFIXES.
SLACK_ONLY = {
    "satellite": "🛰",
    "egg": "🥚",
    "beetle": "🪲",
    "umbrella": "☂",
    "snowman": "☃",
    "email": "✉",
    "ok_woman": "🙆",
    "bride_with_veil": "👰",
    "man_with_turban": "👳",
    "guardsman": "💂",
    "the_horns": "🤘",
    "i_love_you_hand_sign": "🤟",
    "spock-hand": "🖖",
    "face_palm": "🤦",
    "face_with_cowboy_hat": "🤠",
    "smiling_face_with_3_hearts": "🥰",
    "first_place_medal": "🥇",
    "second_place_medal": "🥈",
    "third_place_medal": "🥉",
    "medal": "🎖",
    "octagonal_sign": "🛑",
    "keycap_star": "*\u20e3",
    "eject": "⏏",
    "drum_with_drumsticks": "🥁",
    "kiwifruit": "🥝",
    "ladybug": "🐞",
    "juggling": "🤹",
}
# Slack spells some names with hyphens and gendered prefixes where the library has underscores
# and man_/woman_/family_ (`male-technologist` is the library's `man_technologist`).
_SLACK_PREFIXES = (
    ("male-", "man_"),
    ("female-", "woman_"),
    ("man-", "family_man_"),
    ("woman-", "family_woman_"),
    ("large_", ""),
)
_SLACK_FLAG = re.compile(r"flag-([a-z]{2})")
_NAME = re.compile(r"[\w+'-]+", re.ASCII)
# Only Slack's skin tones 2-6 and the five Unicode modifiers are skin tones; `::skin-tone-7`
# is not one and must not turn an unknown reaction into a vote.
_SLACK_SKIN = re.compile(r"::skin-tone-[2-6]$")
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff]")
_VARIATION = re.compile("[\ufe0e\ufe0f]")
_REGIONAL_A = 0x1F1E6
DEFAULT_UP = ("+1", "fire", "arrow_up")
DEFAULT_DOWN = ("-1",)


@lru_cache(maxsize=4096)  # every reaction event asks; the emoji in use are few
def canonical(emoji: str) -> str:
    """`+1::skin-tone-2`, `thumbsup`, `:+1:`, `👍🏽` and `👍️` all become `👍`.

    Names the library does not know (custom emoji) are returned without their colons.
    """
    text = _SLACK_SKIN.sub("", emoji.strip())
    name = text.strip(":")
    if _NAME.fullmatch(name):
        return _VARIATION.sub("", _character_named(name) or name)
    return _VARIATION.sub("", _MODIFIERS.sub("", text))


def _character_named(name: str) -> str | None:
    if name in SLACK_ONLY:
        return SLACK_ONLY[name]
    for candidate in _library_spellings(name):
        found = emoji_data.emojize(f":{candidate}:", language="alias")
        if emoji_data.is_emoji(found):
            return found
    return _slack_flag(name)


def _library_spellings(name: str) -> list[str]:
    spellings = [name, name.replace("-", "_")]
    for prefix, replacement in _SLACK_PREFIXES:
        if name.startswith(prefix):
            spellings.append(replacement + name.removeprefix(prefix).replace("-", "_"))
    return spellings


def _slack_flag(name: str) -> str | None:
    """Slack's `flag-kr`: the two regional indicator letters, if Unicode has that flag."""
    match = _SLACK_FLAG.fullmatch(name)
    if match is None:
        return None
    flag = "".join(chr(_REGIONAL_A + ord(letter) - ord("a")) for letter in match.group(1))
    return flag if emoji_data.is_emoji(flag) else None


class VoteEmoji:
    """Maps reactions to vote values (+1 / -1), or None for reactions that are not votes."""

    def __init__(self, up: tuple[str, ...] = DEFAULT_UP, down: tuple[str, ...] = DEFAULT_DOWN):
        self._values = {canonical(e): 1 for e in up} | {canonical(e): -1 for e in down}

    @classmethod
    def from_settings(cls, up: str, down: str) -> VoteEmoji:
        def split(text: str) -> tuple[str, ...]:
            return tuple(part.strip() for part in text.split(",") if part.strip())

        return cls(split(up) or DEFAULT_UP, split(down) or DEFAULT_DOWN)

    def value(self, emoji: str) -> int | None:
        return self._values.get(canonical(emoji))
