"""discord.py objects <-> Paperboy's neutral events and contexts. Pure functions, no I/O.

Discord ids are integers in discord.py and strings in the core (`ChannelRef("discord", "123")`),
so both directions live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import discord

from bot.commands import CommandContext
from bot.config import Settings
from bot.domain import ChannelRef, Language, MessagePosted, MessageRef, ReactionChanged
from bot.i18n import language_of
from bot.services.teams import dm_team
from bot.services.threads import ThreadQuestion

PLATFORM = "discord"


def guild_team(guild_id: int) -> str:
    return f"{PLATFORM}:{guild_id}"


def team(guild_id: int | None, user_id: int) -> str:
    """The team key of an event: its server, or the user's own scope in a direct message."""
    return guild_team(guild_id) if guild_id else dm_team(PLATFORM, str(user_id))


def channel_ref(channel_id: int) -> ChannelRef:
    return ChannelRef(platform=PLATFORM, channel_id=str(channel_id))


def message_ref(channel_id: int, message_id: int) -> MessageRef:
    return MessageRef(channel=channel_ref(channel_id), message_id=str(message_id))


def emoji_text(emoji: discord.PartialEmoji) -> str:
    """A unicode emoji as itself (`👍🏽`, folded later by the core); a custom one by its name.

    Custom emoji count as votes when their name is configured (PAPERBOY_VOTE_UP=+1,upvote).
    """
    if emoji.is_custom_emoji() and emoji.name:
        return emoji.name
    return str(emoji)


def reaction_changed(payload: discord.RawReactionActionEvent) -> ReactionChanged:
    """A raw reaction event (cached message or not) as the core's ReactionChanged.

    No event id: Discord sends none, and the core's vote ledger is idempotent anyway.
    """
    return ReactionChanged(
        message=message_ref(payload.channel_id, payload.message_id),
        user=str(payload.user_id),
        emoji=emoji_text(payload.emoji),
        added=payload.event_type == "REACTION_ADD",
        team=team(payload.guild_id, payload.user_id),
    )


def message_posted(message: discord.Message) -> MessagePosted:
    return MessagePosted(
        message=message_ref(message.channel.id, message.id),
        user=str(message.author.id),
        text=message.content,
        team=team(message.guild.id if message.guild else None, message.author.id),
    )


def thread_parent(message: discord.Message) -> MessageRef | None:
    """The message a conversation hangs on: a thread's starter message (a thread started on a
    message shares its id) or the message this one replies to; None for other messages."""
    channel = message.channel
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return message_ref(channel.parent_id, channel.id)
    ref = message.reference
    if ref is None or ref.message_id is None or ref.type != discord.MessageReferenceType.reply:
        return None  # not a reply (a forwarded message carries a reference too)
    return message_ref(ref.channel_id, ref.message_id)


def thread_question(
    message: discord.Message, *, prefix: str, bot_id: int | None
) -> ThreadQuestion | None:
    """A guild message in a thread or replying to a message, as a possible question about the
    paper it hangs on; None elsewhere and for `!paper …` commands (they stay commands)."""
    parent = thread_parent(message)
    if parent is None or message.guild is None:
        return None
    if command_text(message.content, prefix=prefix, bot_id=None) is not None:
        return None
    mentioned = bot_id is not None and any(user.id == bot_id for user in message.mentions)
    text = message.content
    if bot_id is not None:
        text = text.replace(f"<@{bot_id}>", " ").replace(f"<@!{bot_id}>", " ")
    return ThreadQuestion(
        team=team(message.guild.id, message.author.id),
        user=str(message.author.id),
        parent=parent,
        text=" ".join(text.split()),
        mentioned=mentioned,
    )


def command_text(content: str, *, prefix: str, bot_id: int | None) -> str | None:
    """The `/paper` text of a message command (`!paper 2403.09629`, `@Paperboy top`), else None.

    The prefix is matched case-insensitively and must be followed by a space or the end, so
    `!papers` or `!paperboy` are ordinary messages.
    """
    text = content.strip()
    leads = [prefix]
    if bot_id is not None:
        leads += [f"<@{bot_id}>", f"<@!{bot_id}>"]
    for lead in leads:
        head, rest = text[: len(lead)], text[len(lead) :]
        if head.lower() == lead.lower() and (not rest or rest[0].isspace()):
            return rest.strip()
    return None


@dataclass(frozen=True)
class AdminPolicy:
    """Who may run admin sub-commands: Manage Server (or Administrator), an admin role, or a
    user id listed in PAPERBOY_ADMINS (`123` or `discord:123`)."""

    user_ids: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> AdminPolicy:
        roles = (part.strip().lower() for part in settings.discord_admin_roles.split(","))
        return cls(user_ids=settings.admin_ids, roles=frozenset(r for r in roles if r))

    def allows(
        self, user_id: int, permissions: discord.Permissions | None, roles: Iterable[discord.Role]
    ) -> bool:
        if {str(user_id), f"{PLATFORM}:{user_id}"} & self.user_ids:
            return True
        if permissions is not None and (permissions.manage_guild or permissions.administrator):
            return True
        return any(str(role.id) in self.roles or role.name.lower() in self.roles for role in roles)

    def allows_member(self, user: discord.User | discord.Member) -> bool:
        """For a message author: a cached guild member's own permissions and roles."""
        if isinstance(user, discord.Member):
            return self.allows(user.id, user.guild_permissions, user.roles)
        return self.allows(user.id, None, ())

    def allows_interaction(self, interaction: discord.Interaction) -> bool:
        """For an interaction: the permissions Discord computed for the member in that channel."""
        roles = interaction.user.roles if isinstance(interaction.user, discord.Member) else ()
        permissions = interaction.permissions if interaction.guild_id else None
        return self.allows(interaction.user.id, permissions, roles)


def context(
    user_id: int,
    channel_id: int,
    *,
    is_admin: bool,
    guild_id: int | None,
    language: Language | None = None,
    locale: str | None = None,
) -> CommandContext:
    """`locale`: the interaction's user locale (`ko`, `zh-TW`, `en-US`), for replies only
    the user sees; a locale Paperboy does not write falls back to the channel's language."""
    return CommandContext(
        platform=PLATFORM,
        user=str(user_id),
        channel=channel_ref(channel_id),
        is_admin=is_admin,
        language=language,
        team=team(guild_id, user_id),
        locale=language_of(locale),
    )
