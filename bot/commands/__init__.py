"""Chat commands. `dispatch()` is the one entry point every adapter calls with the raw text."""

from __future__ import annotations

from bot.commands import builtin as _builtin  # noqa: F401  (registers the sub-commands)
from bot.commands import deep as _deep  # noqa: F401  (deep)
from bot.commands import schedule as _schedule  # noqa: F401  (schedule, topics)
from bot.commands import team as _team  # noqa: F401  (team link)
from bot.commands.base import (
    CommandContext,
    CommandRegistry,
    CommandSpec,
    Reply,
    Services,
    language_for,
    own_language,
    registry,
)
from bot.commands.paper import lookup
from bot.errors import PaperboyError

__all__ = [
    "CommandContext",
    "CommandRegistry",
    "CommandSpec",
    "Reply",
    "Services",
    "dispatch",
    "language_for",
    "own_language",
    "registry",
]


async def dispatch(app: Services, ctx: CommandContext, text: str) -> Reply:
    """Run `/paper <text>`: a sub-command when the first word names one, else a paper look-up.

    Every error a user can cause comes back as an ephemeral Reply; nothing raises to the adapter
    except bugs and infrastructure failures, which the adapter logs and apologises for.
    """
    text = text.strip()
    word, _, rest = text.partition(" ")
    try:
        if not text:
            return await registry.run(registry.get("help"), app, ctx, "")  # type: ignore[arg-type]
        spec = registry.get(word.lower())
        if spec is not None:
            return await registry.run(spec, app, ctx, rest)
        return await lookup(app, ctx, text)
    except PaperboyError as exc:
        return Reply.error(exc.localized(await own_language(app, ctx)))
