"""`/paper deep <reference>`: the paper reviewed from its full text, each bullet cited to a section.

Problem, method, key results with their numbers, limitations — in the channel's language, made
once per (paper, version, language, prompt, model) by `PaperQA.deep`; without an LLM, passages
quoted and labelled as quotes.
"""

from __future__ import annotations

from bot.commands.base import CommandContext, Reply, Services, language_for, own_language, registry
from bot.i18n import N_, t
from bot.render import render_deep


@registry.command(
    "deep",
    usage="/paper deep <arXiv id | link | keywords>",
    help=N_("A deeper summary from the full text: problem, method, results, limitations."),
)
async def deep_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    if app.ask is None:  # a core built without the full-text reader (some tests, tools)
        return Reply.error(
            t("Deep summaries are not available here.", await own_language(app, ctx))
        )
    if not args.strip():
        return Reply.error(
            t("Name a paper: `/paper deep 2403.09629`.", await own_language(app, ctx))
        )
    team = await ctx.team_key(app)
    await app.guards.check_rate(team, ctx.user_key, app.settings.user_rate_limit)
    found = await app.lookup.find(args)
    language = await language_for(app, ctx)
    deep = await app.ask.get().qa.deep(found.paper, language)
    return Reply(messages=(render_deep(found.paper, deep),))
