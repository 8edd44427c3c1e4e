"""The Discord bot: a discord.py Client that translates Discord events for the Paperboy core.

- `/paper query:<text> [lang:<en|ko|ja|zh>]` (an application command, synced in `setup_hook`
  to DISCORD_GUILD_ID when set, globally otherwise) is deferred at once, then answered with
  follow-ups: Discord allows 3 s for the first answer and a summary may take longer.
- `!paper <text>` (prefix PAPERBOY_DISCORD_PREFIX) and `@Paperboy <text>` run the same command
  in the channel; other messages are handed to the core, which records linked papers.
- Reactions arrive through the raw events only, so votes on messages posted before a restart
  (not in discord.py's cache) still count; the bot's own reactions are ignored, and one user's
  reaction events are applied in the order Discord sent them.

Intents: guilds, guild_messages, guild_reactions and the privileged message_content (enable
"Message Content Intent" in the developer portal; without it `!paper` cannot be read).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from redis.exceptions import RedisError

from adapters.discord import chat, translate
from adapters.discord.chat import NO_MENTIONS, DiscordChat
from adapters.discord.translate import AdminPolicy
from bot import logs
from bot.commands import CommandContext, Reply, registry
from bot.commands.builtin import LANGUAGE_NAMES
from bot.domain import LANGUAGES, Language, ReactionChanged
from bot.i18n import N_, REDIS_DOWN, language_of, t
from bot.services.aio import InFlight
from bot.services.threads import Thread, ThreadQuestion

if TYPE_CHECKING:
    from bot.app import Paperboy

log = logging.getLogger(__name__)
DRAIN_GRACE = 30.0  # seconds `close()` waits for answers and votes in flight
APOLOGY = N_("Sorry, something went wrong on Paperboy's side. Please try again in a minute.")
_outages = logs.QuietLog(log)  # an outage fails every command alike: one line per interval
OnReady = Callable[[DiscordChat], Awaitable[None]]


def intents() -> discord.Intents:
    """Exactly what Paperboy reads: guilds, guild messages (+ content) and guild reactions."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    wanted.message_content = True
    return wanted


class PaperboyClient(discord.Client):
    """One Discord connection serving one Paperboy app. `options` go to `discord.Client`."""

    def __init__(
        self,
        app: Paperboy,
        *,
        guild_id: int | None = None,
        prefix: str | None = None,
        on_ready: OnReady | None = None,
        **options: Any,
    ) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_MENTIONS, **options)
        self.app = app
        self.guild_id = guild_id
        self.prefix = prefix or app.settings.discord_prefix
        self.admins = AdminPolicy.from_settings(app.settings)
        self.chat = DiscordChat(self, guild_id=guild_id)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(paper_command(self))
        self._ready_callback = on_ready
        self._in_order = KeyedLocks()
        self.in_flight = InFlight()

    async def close(self) -> None:
        """Let answers and votes in flight finish (at most DRAIN_GRACE s), then disconnect: an
        answer cut off after its follow-up was sent would lose the message → paper map that
        makes reactions on it votes."""
        await self.in_flight.drain(grace=DRAIN_GRACE)
        await super().close()

    async def setup_hook(self) -> None:
        """Register `/paper` with Discord: in one guild (instant) or globally."""
        if self.guild_id is not None:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info(
            "discord: synced %d command(s) %s",
            len(synced),
            f"to guild {self.guild_id}" if self.guild_id else "globally",
        )

    async def on_ready(self) -> None:
        log.info("discord: connected as %s in %d guild(s)", self.user, len(self.guilds))
        if self._ready_callback is not None:
            await self._ready_callback(self.chat)

    # -- /paper -------------------------------------------------------------------------------
    async def answer_interaction(
        self, interaction: discord.Interaction, query: str, language: Language | None
    ) -> None:
        """Defer first (type 5, within Discord's 3 s), then work, then follow up."""
        with self.in_flight.track():
            await self._answer_interaction(interaction, query, language)

    async def _answer_interaction(
        self, interaction: discord.Interaction, query: str, language: Language | None
    ) -> None:
        await interaction.response.defer(thinking=True)
        ctx = translate.context(
            interaction.user.id,
            interaction.channel_id or 0,
            language=language,
            is_admin=self.admins.allows_interaction(interaction),
            guild_id=interaction.guild_id,
            locale=str(interaction.locale),
        )
        reply = await self.run_command(ctx, query, str(interaction.locale))
        try:
            await chat.reply_to_interaction(self.app, ctx.team, interaction, reply)
        except discord.HTTPException:
            log.exception("discord: could not deliver the answer to /paper %r", query[:80])
            await chat.apologise(interaction, t(APOLOGY, self._plain_language(ctx)))

    async def run_command(self, ctx: CommandContext, text: str, locale: str | None = None) -> Reply:
        """The core's reply; a bug or an outage becomes an apology instead of silence. A Redis
        failure is said as such, in the command's language, else `locale`'s (the platform's,
        known without Redis), else the install's."""
        try:
            return await self.app.command(ctx, text)
        except RedisError as exc:
            _outages.warning("discord: /paper failed: Redis failed (%s)", type(exc).__name__)
            language = ctx.language or language_of(locale) or self.app.settings.language
            return Reply.error(t(REDIS_DOWN, language))
        except Exception:
            log.exception("discord: /paper %r failed", text[:80])
            return Reply.error(t(APOLOGY, self._plain_language(ctx)))

    def _plain_language(self, ctx: CommandContext) -> Language:
        """The user's language for an apology, known without Redis (which may be what broke)."""
        return ctx.locale or ctx.language or self.app.settings.language

    # -- messages -----------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        """`!paper …` or `@Paperboy …` runs a command; other messages may share papers."""
        with self.in_flight.track():
            await self._on_message(message)

    async def _on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return  # our own posts, other bots and webhooks, DMs
        bot_id = self.user.id if self.user else None
        if await self._question(message, bot_id):
            return
        text = translate.command_text(message.content, prefix=self.prefix, bot_id=bot_id)
        if text is None:
            if not isinstance(message.channel, discord.Thread):  # thread talk shares no paper
                await self.app.message(translate.message_posted(message))
            return
        ctx = translate.context(
            message.author.id,
            message.channel.id,
            is_admin=self.admins.allows_member(message.author),
            guild_id=message.guild.id,
        )
        with contextlib.suppress(discord.HTTPException):
            await message.channel.typing()  # "Paperboy is typing…" while the summary is written
        reply = await self.run_command(ctx, text, str(message.guild.preferred_locale))
        await chat.reply_in_channel(self.app, ctx.team, message, reply)

    # -- ask the paper ------------------------------------------------------------------------
    async def _question(self, message: discord.Message, bot_id: int | None) -> bool:
        """True when `message` is a question about a paper (in a thread started on a paper
        message, or replying to one, naming Paperboy or where Paperboy has answered): answered
        there, as a reply."""
        question = translate.thread_question(message, prefix=self.prefix, bot_id=bot_id)
        thread = await self.app.thread_of(question) if question else None
        if question is None or thread is None:
            return False
        with contextlib.suppress(discord.HTTPException):
            await message.channel.typing()
        await self._answer_question(message, question, thread)
        return True

    async def _answer_question(
        self, message: discord.Message, question: ThreadQuestion, thread: Thread
    ) -> None:
        reply = await self.app.ask(question, thread)  # never raises
        try:
            sent = await chat.reply_in_thread(message, reply)
        except discord.HTTPException:
            log.exception("discord: could not post an answer in %s", question.parent.key)
            return
        if reply.ok and not isinstance(message.channel, discord.Thread):
            # Replies in a channel: replying to one of these answers continues the thread.
            await self.app.answers_posted(question.team, thread, sent)

    async def _translate(self, event: ReactionChanged, language: Language) -> None:
        """A flag on a paper message: its summary in `language`, as a reply to it (once)."""
        reply = await self.app.translate(
            event.team, event.message, language, f"{translate.PLATFORM}:{event.user}"
        )
        if reply is None:
            return
        try:
            await chat.reply_to(self, event.message, reply)
        except discord.HTTPException:
            log.exception("discord: could not post a translation in %s", event.message.key)

    # -- votes --------------------------------------------------------------------------------
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload)

    async def _reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.user is not None and payload.user_id == self.user.id:
            return
        if (language := self.app.flag_language(translate.emoji_text(payload.emoji))) is not None:
            if payload.event_type == "REACTION_ADD":  # flags are not votes
                with self.in_flight.track():
                    await self._translate(translate.reaction_changed(payload), language)
            return
        with self.in_flight.track():
            async with self._in_order.hold(payload.user_id):
                await self.app.reaction(
                    translate.reaction_changed(payload), platform=translate.PLATFORM
                )


class KeyedLocks:
    """FIFO locks per key: one user's reaction events apply in arrival order, while different
    users' events run concurrently. discord.py runs every event in a task of its own, and an
    add quickly followed by a remove must not be applied the other way round."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


def _language(value: str | None) -> Language | None:
    return next((code for code in LANGUAGES if code == value), None)


def suggestions(current: str) -> list[app_commands.Choice[str]]:
    """Sub-commands offered as the user types `/paper query:` (Discord allows 25 choices)."""
    words = [spec.usage.removeprefix("/paper ") for spec in registry.specs()]
    wanted = current.strip().lower()
    matches = [word for word in words if word.lower().startswith(wanted)] if wanted else words
    return [app_commands.Choice(name=w[:100], value=w.split(" ")[0][:100]) for w in matches[:25]]


def paper_command(client: PaperboyClient) -> app_commands.Command[Any, Any, None]:
    """The `/paper` application command, bound to `client`."""
    choices = [app_commands.Choice(name=LANGUAGE_NAMES[code], value=code) for code in LANGUAGES]

    @app_commands.command(name="paper", description="Summarise an arXiv paper, or: help, top, lang")
    @app_commands.describe(
        query="arXiv id, link or keywords — or help, top, lang ko",
        lang="Answer in this language (default: the channel's)",
    )
    @app_commands.choices(lang=choices)
    async def paper(
        interaction: discord.Interaction, query: str, lang: app_commands.Choice[str] | None = None
    ) -> None:
        await client.answer_interaction(interaction, query, _language(lang.value if lang else None))

    @paper.autocomplete("query")
    async def complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return suggestions(current)

    return paper
