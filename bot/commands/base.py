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
from bot.render import RichMessage

if TYPE_CHECKING:
    from bot.app import Paperboy


@dataclass(frozen=True)
class CommandContext:
    """Who asked, where, and with which rights (the adapter decides `is_admin`)."""

    platform: str
    user: str
    channel: ChannelRef
    is_admin: bool = False
    language: Language | None = None

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


Handler = Callable[["Paperboy", CommandContext, str], Awaitable[Reply]]


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

    async def run(self, spec: CommandSpec, app: Paperboy, ctx: CommandContext, args: str) -> Reply:
        if spec.admin_only and not ctx.is_admin:
            raise NotAllowed(f"Only workspace admins can use `{spec.usage}`.")
        return await spec.handler(app, ctx, args)


registry = CommandRegistry()
