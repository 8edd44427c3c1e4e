"""Neutral inbound events, shaped by Paperboy's domain rather than by any one platform."""

from __future__ import annotations

from bot.domain.models import MessageRef, _Frozen


class ReactionChanged(_Frozen):
    """A user added or removed a reaction on a message; `emoji` is as the platform named it."""

    message: MessageRef
    user: str
    emoji: str
    added: bool
    event_id: str | None = None
    team: str = ""  # the team key (slack:T123, discord:456, slack:@U1 for DMs); see bot.keys


class MessagePosted(_Frozen):
    """An ordinary message in a channel Paperboy is in (for shared-paper candidates)."""

    message: MessageRef
    user: str
    text: str
    team: str = ""
