"""What users do in the loopback Discord's guild, as gateway dispatches: `/paper`, messages,
reactions. A mixin of FakeDiscord: builders return (event, data) for `push_many()`, and the
async helpers push one dispatch and return the id a test needs.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from tests.fakes import discord_payloads as p
from tests.fakes.discord_wire import (
    APP_ID,
    CHANNEL_ID,
    GUILD_ID,
    USERS,
    InteractionState,
    Json,
    member_of,
)

Dispatch = tuple[str, Json]


class Scenes:
    """Needs the fake's id source, bot user, message store, interactions and `push_many()`."""

    ids: p.Snowflakes
    me: Json
    messages: dict[str, Json]
    interactions: dict[str, InteractionState]
    threads: dict[str, Json]

    @abstractmethod
    async def push_many(self, dispatches: list[Dispatch]) -> None: ...

    async def push(self, event: str, data: Json) -> None:
        """Send one DISPATCH (op 0) to every identified session."""
        await self.push_many([(event, data)])

    # -- /paper ----------------------------------------------------------------------------------
    def interaction(
        self,
        query: str | None,
        *,
        by: str = "haruka",
        lang: str | None = None,
        autocomplete: bool = False,
        locale: str | None = None,
    ) -> Json:
        """A new `/paper query:<query> [lang:<lang>]` INTERACTION_CREATE (type 4 when
        `autocomplete`), registered so the fake accepts its callback and follow-ups."""
        options: list[Json] = []
        if query is not None:
            options.append({"name": "query", "type": 3, "value": query})
            if autocomplete:
                options[-1]["focused"] = True
        if lang is not None:
            options.append({"name": "lang", "type": 3, "value": lang})
        interaction_id, token = self.ids.next(), f"aW50ZXJhY3Rpb246{self.ids.next()}"
        self.interactions[token] = InteractionState(interaction_id, token, CHANNEL_ID)
        return p.interaction(
            interaction_id,
            token,
            app_id=APP_ID,
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            options=options,
            kind=4 if autocomplete else 2,
            member_data=member_of(by, with_permissions=True),
            locale=locale,
        )

    async def slash(self, query: str | None = None, **options: Any) -> str:
        """Dispatch one `/paper`; its interaction id."""
        data = self.interaction(query, **options)
        await self.push("INTERACTION_CREATE", data)
        return str(data["id"])

    async def slash_many(self, queries: list[str], *, by: str = "haruka") -> list[str]:
        """Dispatch one `/paper` per query, back to back; their interaction ids."""
        batch = [self.interaction(q, by=by) for q in queries]
        await self.push_many([("INTERACTION_CREATE", data) for data in batch])
        return [str(data["id"]) for data in batch]

    # -- messages --------------------------------------------------------------------------------
    async def say(
        self,
        content: str,
        *,
        by: str = "haruka",
        channel_id: str = CHANNEL_ID,
        reply_to: str | None = None,
        ping: bool = False,
    ) -> str:
        """Dispatch MESSAGE_CREATE of a member's (or, `by="bot"`, the bot's own) message, in the
        channel or a thread (`channel_id`), optionally replying to a message (`reply_to`; `ping`
        keeps the client's "mention the author" on, which mentions the replied-to author)."""
        user, roles = (self.me, []) if by == "bot" else (p.user(USERS[by][0], by), USERS[by][1])
        mentioned = [self.me] if f"<@{APP_ID}>" in content or f"<@!{APP_ID}>" in content else []
        extra: Json = {}
        if reply_to is not None:
            replied = self.messages.get(reply_to)
            if (
                ping
                and replied is not None
                and replied["author"]["id"] not in (u["id"] for u in mentioned)
            ):
                mentioned.append(replied["author"])
            extra = {
                "type": 19,
                "referenced_message": replied,
                "message_reference": {
                    "type": 0,
                    "message_id": reply_to,
                    "channel_id": channel_id,
                    "guild_id": GUILD_ID,
                },
            }
        message = p.message(
            self.ids.next(),
            channel_id,
            user,
            content,
            guild_id=GUILD_ID,
            member=p.member(None, roles),
            mentions=[{**u, "member": p.member(None, [])} for u in mentioned],
            mention_roles=re.findall(r"<@&(\d+)>", content),
            **extra,
        )
        self.messages[message["id"]] = message
        await self.push("MESSAGE_CREATE", message)
        return str(message["id"])

    async def start_thread(
        self, message_id: str, name: str = "Discussion", *, by: str = "haruka"
    ) -> str:
        """A member starts a public thread on a message: THREAD_CREATE; the thread's id (which is
        the message's, as on Discord)."""
        thread = p.thread_channel(message_id, CHANNEL_ID, GUILD_ID, USERS[by][0], name)
        self.threads[message_id] = thread
        await self.push("THREAD_CREATE", thread)
        return message_id

    # -- reactions -------------------------------------------------------------------------------
    def reaction(
        self,
        message_id: str,
        emoji: str,
        *,
        by: str = "haruka",
        user_id: str | None = None,
        added: bool = True,
        custom_id: str | None = None,
    ) -> Dispatch:
        """MESSAGE_REACTION_ADD/REMOVE by a USERS member, the bot (`by="bot"`) or any
        `user_id`; a unicode `emoji`, or a custom one by name and `custom_id`."""
        if user_id is None:
            user_id = APP_ID if by == "bot" else USERS[by][0]
        author = self.messages.get(message_id, {}).get("author", {}).get("id")
        who = self.me if user_id == APP_ID else p.user(user_id, by)
        data = p.reaction(
            added=added,
            user_id=user_id,
            channel_id=CHANNEL_ID,
            message_id=message_id,
            guild_id=GUILD_ID,
            emoji={"id": custom_id, "name": emoji},
            member_data=p.member(who, []),
            author_id=author,
        )
        return ("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"), data

    async def react(self, message_id: str, emoji: str, **options: Any) -> None:
        """Dispatch one reaction (see `reaction()`)."""
        await self.push(*self.reaction(message_id, emoji, **options))
