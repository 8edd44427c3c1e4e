"""Sending Paperboy's replies and digests to Discord: the ChatPort, channel replies, follow-ups.

Every send passes `allowed_mentions=AllowedMentions.none()`: whatever text reaches Discord
(paper titles, LLM output, echoed user input), nothing can ping anyone. Each sent part that
shows a paper is reported to the core (`app.posted`) so reactions on it become votes. Rate
limits (429 + retry_after) are handled by discord.py's HTTP client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import discord

from adapters.discord import embeds, translate
from bot.commands import Reply
from bot.domain import ChannelRef, MessageRef
from bot.render import RichMessage

if TYPE_CHECKING:
    from bot.app import Paperboy

NO_MENTIONS = discord.AllowedMentions.none()
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

    def __init__(self, client: discord.Client) -> None:
        self._client = client

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


async def reply_in_channel(app: Paperboy, message: discord.Message, reply: Reply) -> None:
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
            await app.posted(sent_ref(sent), rich)


async def reply_to_interaction(
    app: Paperboy, interaction: discord.Interaction, reply: Reply
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
            await app.posted(sent_ref(sent), rich)


async def apologise(interaction: discord.Interaction, text: str) -> None:
    """Best effort, after a failed delivery: never leave the user with "thinking…" forever."""
    with contextlib.suppress(discord.HTTPException):
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
