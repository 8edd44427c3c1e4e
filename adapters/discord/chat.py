"""Sending Paperboy's replies and digests to Discord: the ChatPort, channel replies, follow-ups.

Every send passes `allowed_mentions=AllowedMentions.none()`: whatever text reaches Discord
(paper titles, LLM output, echoed user input), nothing can ping anyone. Each sent part that
shows a paper is reported to the core (`app.posted`) so reactions on it become votes. Rate
limits (429 + retry_after) are handled by discord.py's HTTP client.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import discord

from adapters.discord import embeds, translate
from bot.commands import Reply
from bot.domain import ChannelRef, MessageRef
from bot.render import RichMessage

if TYPE_CHECKING:
    from bot.app import Paperboy

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
JUMP_URL = "https://discord.com/channels"  # + /{guild or @me}/{channel}/{message}
Part = tuple[embeds.Outgoing, RichMessage | None]


def parts(reply: Reply) -> Iterator[Part]:
    """The Discord messages of a reply: its text first, then each rich message (the first part
    of a paper message is paired with it, so that part is the one mapped for votes)."""
    if reply.text:
        for outgoing in embeds.text_messages(reply.text):
            yield outgoing, None
    for message in reply.messages:
        for index, outgoing in enumerate(embeds.render(message)):
            yield outgoing, (message if index == 0 else None)


def sent_ref(message: discord.Message | discord.WebhookMessage) -> MessageRef:
    return translate.message_ref(message.channel.id, message.id)


class DiscordChat:
    """The ChatPort for Discord: post a RichMessage in a channel, split within the limits."""

    platform = translate.PLATFORM

    def __init__(self, client: discord.Client, *, guild_id: int | None = None) -> None:
        self._client = client
        self._guild_id = guild_id

    async def install_team(self) -> str | None:
        """The server named by DISCORD_GUILD_ID, when set: a bot may be in many servers."""
        return translate.guild_team(self._guild_id) if self._guild_id else None

    async def team_of(self, channel: ChannelRef) -> str | None:
        """The server a channel belongs to (`GET /channels/{id}`); None for DMs or errors."""
        try:
            found = await self._client.fetch_channel(int(channel.channel_id))
        except (discord.HTTPException, ValueError) as exc:
            log.warning("discord: channel %s not found (%s)", channel.key, type(exc).__name__)
            return None
        guild = getattr(found, "guild", None)
        return translate.guild_team(guild.id) if guild is not None else None

    async def update(self, message: MessageRef, rich: RichMessage) -> bool:
        """Show `rich` in `message` instead: `PATCH /channels/{channel}/messages/{message}`,
        which shares the channel's message rate limit (callers coalesce; discord.py waits out
        429s). The first part carries the title and the votes, so only it is edited. False,
        logged at INFO, when Discord says the message is gone or not the bot's to edit."""
        first = embeds.render(rich)[0]
        target = self._client.get_partial_messageable(int(message.channel.channel_id))
        try:
            await target.get_partial_message(int(message.message_id)).edit(
                content=first.content, embeds=list(first.embeds), allowed_mentions=NO_MENTIONS
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            log.info("discord: cannot edit %s any more (%s)", message.key, exc.code)
            return False
        return True

    async def permalink(self, team: str, message: MessageRef) -> str | None:
        """`https://discord.com/channels/{server}/{channel}/{message}` (`@me` in DMs)."""
        scope = team.partition(":")[2]
        server = "@me" if scope.startswith("@") or not scope else scope
        return f"{JUMP_URL}/{server}/{message.channel.channel_id}/{message.message_id}"

    async def post(self, channel: ChannelRef, message: RichMessage) -> MessageRef:
        """Post every part of `message`; the first part's ref (the one carrying the title)."""
        target = self._client.get_partial_messageable(int(channel.channel_id))
        first: MessageRef | None = None
        for outgoing in embeds.render(message):
            sent = await target.send(
                content=outgoing.content, embeds=list(outgoing.embeds), allowed_mentions=NO_MENTIONS
            )
            first = first or sent_ref(sent)
        if first is None:
            raise ValueError("nothing to post: the message has no content")
        return first


async def reply_in_channel(
    app: Paperboy, team: str, message: discord.Message, reply: Reply
) -> None:
    """Answer a message command in its channel, as replies to it (Discord has no ephemeral
    messages outside interactions, so ephemeral replies are posted like the others)."""
    reference = message.to_reference(fail_if_not_exists=False)
    for outgoing, rich in parts(reply):
        sent = await message.channel.send(
            content=outgoing.content,
            embeds=list(outgoing.embeds),
            reference=reference,
            allowed_mentions=NO_MENTIONS,
            mention_author=False,
        )
        if rich is not None:
            await app.posted(team, sent_ref(sent), rich)


async def reply_in_thread(message: discord.Message, reply: Reply) -> list[MessageRef]:
    """Answer a question where it was asked (in its thread, or as a reply next to it); the
    sent messages. Not paper messages: reactions on them are not votes."""
    reference = message.to_reference(fail_if_not_exists=False)
    return [
        sent_ref(
            await message.channel.send(
                content=outgoing.content,
                embeds=list(outgoing.embeds),
                reference=reference,
                allowed_mentions=NO_MENTIONS,
                mention_author=False,
            )
        )
        for outgoing, _ in parts(reply)
    ]


async def reply_to(client: discord.Client, message: MessageRef, reply: Reply) -> None:
    """Post `reply` as replies to `message`, known only by its ids (a reaction's message)."""
    target = client.get_partial_messageable(int(message.channel.channel_id))
    reference = discord.MessageReference(
        message_id=int(message.message_id),
        channel_id=int(message.channel.channel_id),
        fail_if_not_exists=False,
    )
    for outgoing, _ in parts(reply):
        await target.send(
            content=outgoing.content,
            embeds=list(outgoing.embeds),
            reference=reference,
            allowed_mentions=NO_MENTIONS,
            mention_author=False,
        )


async def reply_to_interaction(
    app: Paperboy, team: str, interaction: discord.Interaction, reply: Reply
) -> None:
    """Answer a deferred interaction with follow-ups.

    The deferral was public (a paper answer is for the channel); an ephemeral reply (an error,
    help) cannot turn it private, so the "thinking…" message is deleted and the reply follows
    as ephemeral follow-ups only the user sees.
    """
    items = list(parts(reply))
    if reply.ephemeral or not items:
        await interaction.delete_original_response()
    for outgoing, rich in items:
        sent = await interaction.followup.send(
            content=outgoing.content or discord.utils.MISSING,
            embeds=list(outgoing.embeds),
            ephemeral=reply.ephemeral,
            allowed_mentions=NO_MENTIONS,
            wait=True,
        )
        if rich is not None and not reply.ephemeral:
            await app.posted(team, sent_ref(sent), rich)


async def apologise(interaction: discord.Interaction, text: str) -> None:
    """Best effort, after a failed delivery: never leave the user with "thinking…" forever."""
    with contextlib.suppress(discord.HTTPException):
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
