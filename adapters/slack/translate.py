"""Slack payloads -> Paperboy's neutral events and contexts. Pure functions, no I/O.

Shapes follow Slack's wire formats: slash-command form fields (`user_id`, `channel_id`, `text`,
`response_url`), and Events API `event_callback` envelopes (`event_id`, `authorizations`,
`event{type, user, reaction, item{type, channel, ts}}` for reactions, `event{type, subtype,
bot_id, user, text, channel, ts}` for messages).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from typing import Any

from bot.commands import CommandContext
from bot.domain import ChannelRef, MessagePosted, MessageRef, ReactionChanged

PLATFORM = "slack"
# Message subtypes that are still a person writing in the channel; every other subtype
# (message_changed, message_deleted, channel_join, bot_message...) is not.
PERSON_SUBTYPES = frozenset({"thread_broadcast", "file_share"})
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")

Body = Mapping[str, Any]


def channel(channel_id: str) -> ChannelRef:
    return ChannelRef(platform=PLATFORM, channel_id=channel_id)


def command_context(body: Body, *, is_admin: bool) -> CommandContext:
    """Who ran `/paper` and where; the channel's language is the core's to decide."""
    return CommandContext(
        platform=PLATFORM,
        user=str(body["user_id"]),
        channel=channel(str(body["channel_id"])),
        is_admin=is_admin,
    )


def by_bot(user: str, body: Body, known: Container[str] = ()) -> bool:
    """True for the bot's own user: one of `known` (its `auth.test` identity) or a bot user
    the envelope's `authorizations` name (so the bot's own reactions never count as votes)."""
    if user in known:
        return True
    return any(
        auth.get("is_bot") and auth.get("user_id") == user
        for auth in body.get("authorizations") or ()
    )


def reaction_changed(body: Body) -> ReactionChanged | None:
    """A `reaction_added`/`reaction_removed` envelope as a neutral event; None for reactions on
    anything but a message (files, file comments) or a malformed event."""
    event = body.get("event") or {}
    item = event.get("item") or {}
    kind = event.get("type")
    if kind not in ("reaction_added", "reaction_removed") or item.get("type") != "message":
        return None
    if not (item.get("channel") and item.get("ts") and event.get("user") and event.get("reaction")):
        return None
    return ReactionChanged.model_validate(  # one validation for the event and its refs
        {
            "message": {
                "channel": {"platform": PLATFORM, "channel_id": str(item["channel"])},
                "message_id": str(item["ts"]),
            },
            "user": str(event["user"]),
            "emoji": str(event["reaction"]),
            "added": kind == "reaction_added",
            "event_id": body.get("event_id"),
        }
    )


def message_posted(body: Body) -> MessagePosted | None:
    """An ordinary channel message by a person; None for bots, edits, joins and the like."""
    event = body.get("event") or {}
    subtype = event.get("subtype")
    if event.get("type") != "message" or (subtype and subtype not in PERSON_SUBTYPES):
        return None
    if event.get("bot_id") or not event.get("user") or not event.get("text"):
        return None
    if not (event.get("channel") and event.get("ts")):
        return None
    ref = MessageRef(channel=channel(str(event["channel"])), message_id=str(event["ts"]))
    return MessagePosted(message=ref, user=str(event["user"]), text=str(event["text"]))


def mention_text(event: Body) -> str:
    """An `app_mention`'s text with the user mentions removed: what follows `@Paperboy`."""
    return " ".join(_MENTION.sub(" ", str(event.get("text") or "")).split())
