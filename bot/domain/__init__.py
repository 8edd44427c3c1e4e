"""Domain values shared by the core and the adapters; no I/O lives here."""

from bot.domain.events import MessagePosted, ReactionChanged
from bot.domain.models import (
    ChannelRef,
    Digest,
    DigestItem,
    MessageRef,
    Paper,
    Summary,
    SummarySource,
    Tally,
    VoteChange,
    Why,
)
from bot.languages import LANGUAGES, Language

__all__ = [
    "LANGUAGES",
    "ChannelRef",
    "Digest",
    "DigestItem",
    "Language",
    "MessagePosted",
    "MessageRef",
    "Paper",
    "ReactionChanged",
    "Summary",
    "SummarySource",
    "Tally",
    "VoteChange",
    "Why",
]
