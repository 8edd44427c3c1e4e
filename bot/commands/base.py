"""Command specs, context and replies: commands are async functions that RETURN a Reply.

`@registry.command(...)` only records a spec; adapters list `registry.specs()` to expose them
natively (slash sub-commands, `!paper` words) and call `registry.dispatch()` with the text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.domain import ChannelRef, Language
from bot.errors import NotAllowed
from bot.i18n import N_, lazy
from bot.render import RichMessage

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ports import Summarizer
    from bot.services.channels import ChannelStore
    from bot.services.digest import DigestPlan, DigestService
    from bot.services.guards import Guards
    from bot.services.live_votes import PaperPosts
    from bot.services.lookup import PaperLookup
    from bot.services.paper_cache import PaperCache
    from bot.services.schedule import Clock, DueDigest
    from bot.services.teams import TeamStore
    from bot.services.threads import AskParts, Lazy
    from bot.services.votes import VoteStore


@dataclass(frozen=True)
class Services:
    """The parts commands use, handed to every handler by the composition root (`bot.app`):
    commands never see the app, its Redis or its clients."""

    settings: Settings
    channels: ChannelStore
    teams: TeamStore
    votes: VoteStore
    lookup: PaperLookup
    summarizer: Summarizer
    digests: DigestService
    guards: Guards
    cache: PaperCache
    clock: Clock
    posts: PaperPosts  # paper messages as posted: one copy per channel and week
    ask: Lazy[AskParts] | None = None  # the full-text answerer (`/paper deep`); None: not wired

    async def plan(
        self,
        channel: ChannelRef | None,
        team: str = "",
        *,
        due: DueDigest | None = None,
        week: str | None = None,
    ) -> DigestPlan:
        """The digest plan of `channel`: for a scheduled run (`due`), an ISO `week`, or one
        posted now — the one way every path (chat preview, CLI, worker) plans a digest."""
        ledger: tuple[str, ...]
        from bot.services.digest import plan_digest  # noqa: PLC0415  (commands load first)

        if channel is None:  # no channel: the defaults, and no team's votes
            view, ledger = self.channels.default_view(), ()
        else:
            view = await self.channels.view(channel, team or (due.team if due else ""))
            ledger = await self.teams.ledger(view.team)
        run = due.scheduled_for if due else self.clock()
        return plan_digest(view, ledger, run=run, week=week, posting_week=due.week if due else None)


@dataclass(frozen=True)
class CommandContext:
    """Who asked, where, and with which rights (the adapter decides `is_admin`)."""

    platform: str
    user: str
    channel: ChannelRef
    is_admin: bool = False
    language: Language | None = None
    team: str = ""  # the team key; "" = the channel's team from the registry
    locale: Language | None = None  # the user's own platform locale: for replies only they see

    async def team_key(self, services: Services) -> str:
        return self.team or await services.teams.team_of(self.channel)

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.user}"


@dataclass(frozen=True)
class Reply:
    """What to show. Paper messages carry `paper_id` so the adapter maps them for votes."""

    messages: tuple[RichMessage, ...] = ()
    text: str | None = None
    ephemeral: bool = False
    ok: bool = True

    @classmethod
    def error(cls, text: str) -> Reply:
        return cls(text=text, ephemeral=True, ok=False)


Handler = Callable[[Services, CommandContext, str], Awaitable[Reply]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    help: str
    handler: Handler
    admin_only: bool = False


@dataclass
class CommandRegistry:
    _specs: dict[str, CommandSpec] = field(default_factory=dict)

    def command(
        self, name: str, *, usage: str, help: str, admin_only: bool = False
    ) -> Callable[[Handler], Handler]:
        def attach(handler: Handler) -> Handler:
            self._specs[name] = CommandSpec(name, usage, help, handler, admin_only)
            return handler

        return attach

    def specs(self) -> list[CommandSpec]:
        return list(self._specs.values())

    def get(self, name: str) -> CommandSpec | None:
        return self._specs.get(name)

    async def run(
        self, spec: CommandSpec, services: Services, ctx: CommandContext, args: str
    ) -> Reply:
        if spec.admin_only and not ctx.is_admin:
            refusal = ADMIN_ONLY.get(ctx.platform, ADMIN_ONLY["slack"])
            raise NotAllowed(lazy(refusal, usage=spec.usage))
        return await spec.handler(services, ctx, args)


registry = CommandRegistry()
# Who the admins are, in each platform's own words.
ADMIN_ONLY = {
    "slack": N_("Only workspace admins can use `{usage}`."),
    "discord": N_("Only server admins can use `{usage}`."),
}


async def language_for(services: Services, ctx: CommandContext) -> Language:
    """The language to answer `ctx` in: the platform's word for it, else the channel's."""
    if ctx.language:
        return ctx.language
    view = await services.channels.view(ctx.channel, ctx.team)
    return view.language


async def own_language(services: Services, ctx: CommandContext) -> Language:
    """The language of a reply only the asking user sees (help, errors, previews of settings):
    their own platform locale when the platform tells it, else `language_for`."""
    return ctx.locale or await language_for(services, ctx)
