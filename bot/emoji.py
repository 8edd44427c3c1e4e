"""Which reactions are votes. Platforms name emoji differently (Slack `+1::skin-tone-3`,
Discord `👍🏽`); both are folded to one canonical character before the core decides."""

from __future__ import annotations

import re
from functools import lru_cache

ALIASES = {
    "+1": "👍",
    "thumbsup": "👍",
    "thumbs_up": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "thumbs_down": "👎",
    "fire": "🔥",
    "arrow_up": "⬆",
    "up": "⬆",
    "arrow_down": "⬇",
    "heart": "❤",
    "star": "⭐",
    "rocket": "🚀",
    "eyes": "👀",
    "100": "💯",
    "tada": "🎉",
}
_SKIN = re.compile(r"::skin-tone-\d$|[\U0001F3FB-\U0001F3FF]")
_VARIATION = re.compile("[\ufe0e\ufe0f]")
DEFAULT_UP = ("+1", "fire", "arrow_up")
DEFAULT_DOWN = ("-1",)


@lru_cache(maxsize=4096)  # every reaction event asks; the emoji in use are few
def canonical(emoji: str) -> str:
    """`+1::skin-tone-2`, `thumbsup`, `👍🏽` and `👍️` all become `👍`."""
    name = _SKIN.sub("", emoji.strip()).strip(":")
    name = ALIASES.get(name, name)
    return _VARIATION.sub("", name)


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
