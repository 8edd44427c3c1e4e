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
from bot.services.teams import dm_team
from bot.services.threads import ThreadQuestion

PLATFORM = "slack"
# Message subtypes that are still a person writing in the channel; every other subtype
# (message_changed, message_deleted, channel_join, bot_message...) is not.
PERSON_SUBTYPES = frozenset({"thread_broadcast", "file_share"})
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")

Body = Mapping[str, Any]


def channel(channel_id: str) -> ChannelRef:
    return ChannelRef(platform=PLATFORM, channel_id=channel_id)


def team(body: Body, channel_id: str, user: str) -> str:
    """The team key of an event or command: the user's own scope in a direct message (`D…`
    channels), else the workspace it came from — the envelope's `team_id` (a slash command's
    form field of the same name), or with an org-wide Enterprise Grid install the workspace of
    the authorization Slack delivered it for."""
    if channel_id.startswith("D"):
        return dm_team(PLATFORM, user)
    workspace = body.get("team_id") or next(
        (a.get("team_id") for a in body.get("authorizations") or () if a.get("team_id")), None
    )
    return f"{PLATFORM}:{workspace}" if workspace else ""


def command_context(body: Body, *, is_admin: bool) -> CommandContext:
    """Who ran `/paper` and where; the channel's language is the core's to decide."""
    user, channel_id = str(body["user_id"]), str(body["channel_id"])
    return CommandContext(
        platform=PLATFORM,
        user=user,
        channel=channel(channel_id),
        is_admin=is_admin,
        team=team(body, channel_id, user),
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
            "team": team(body, str(item["channel"]), str(event["user"])),
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
    user = str(event["user"])
    return MessagePosted(
        message=ref,
        user=user,
        text=str(event["text"]),
        team=team(body, ref.channel.channel_id, user),
    )


def mention_text(event: Body) -> str:
    """An `app_mention`'s text with the user mentions removed: what follows `@Paperboy`."""
    return " ".join(_MENTION.sub(" ", str(event.get("text") or "")).split())


def in_thread(body: Body) -> bool:
    """A reply inside a thread: its `thread_ts` names another message (a thread's first
    message carries its own `ts` there, once it has replies)."""
    event = body.get("event") or {}
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")


def thread_question(body: Body, bot_user: str | None, *, mentioned: bool) -> ThreadQuestion | None:
    """A person's reply in a thread as a possible question about the thread's paper (a
    `message` event, or an `app_mention`: `mentioned`); None for bots, edits and the like."""
    event = body.get("event") or {}
    subtype = event.get("subtype")
    if not in_thread(body) or (subtype and subtype not in PERSON_SUBTYPES) or event.get("bot_id"):
        return None
    user, channel_id, text = event.get("user"), event.get("channel"), event.get("text")
    if not (user and channel_id and text):
        return None
    return ThreadQuestion(
        team=team(body, str(channel_id), str(user)),
        user=str(user),
        parent=MessageRef(channel=channel(str(channel_id)), message_id=str(event["thread_ts"])),
        text=mention_text(event),
        mentioned=mentioned or bool(bot_user and f"<@{bot_user}" in str(text)),
    )
