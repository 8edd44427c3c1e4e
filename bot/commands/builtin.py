"""The `/paper` sub-commands: help, top, lang, digest preview."""

from __future__ import annotations

from typing import get_args
from zoneinfo import ZoneInfo

from bot.commands.base import CommandContext, Reply, Services, language_for, own_language, registry
from bot.domain import Language
from bot.i18n import N_, t
from bot.render import Bullets, Context, Heading, RichMessage, render_digest
from bot.text import clean
from bot.weeks import iso_week, parse_week
from bot.window import window_of_week

LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "ja": "日本語", "zh": "中文"}


@registry.command("help", usage="/paper help", help=N_("Show what Paperboy can do."))
async def help_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    lang = await own_language(app, ctx)
    lookup = t("summarise a paper in this channel's language", lang)
    lines = [f"`/paper <arXiv id | link | keywords>` — {lookup}"]
    lines += [f"`{spec.usage}` — {t(spec.help, lang)}" for spec in registry.specs()]
    lines.append(t("React 👍 🔥 ⬆️ (up) or 👎 (down) on a paper message to vote.", lang))
    message = RichMessage((Heading("Paperboy"), Bullets(tuple(lines))), "\n".join(lines))
    return Reply(messages=(message,), ephemeral=True)


@registry.command(
    "top",
    usage="/paper top [week|all]",
    help=N_("The team's most voted papers this week or of all time."),
)
async def top_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    scope = args.strip().lower() or "week"
    if scope not in ("week", "all"):
        return Reply.error(
            t("Use `/paper top week` or `/paper top all`.", await own_language(app, ctx))
        )
    lang = await language_for(app, ctx)  # posted in the channel: the channel's language
    week = iso_week(app.clock()) if scope == "week" else None
    ledger = await app.teams.ledger(await ctx.team_key(app))
    rows = await app.votes.leaderboard(ledger, week, limit=10)
    title = (  # votes count toward the ISO week (UTC) they were cast in: name its days
        t("🏆 Top papers · {week}", lang, week=window_of_week(week, ZoneInfo("UTC")).label(lang))
        if week
        else t("🏆 Top papers · all time", lang)
    )
    if not rows:
        text = t("No votes yet. React 👍 on a paper message to vote.", lang)
        return Reply(messages=(RichMessage((Heading(title), Context(text)), text),))
    papers = await app.cache.get_many([arxiv_id for arxiv_id, _ in rows])
    items = tuple(
        f"{i}. {clean(papers[a].title) if a in papers else a} ({a}) — 👍 {t.up} · 👎 {t.down}"
        for i, (a, t) in enumerate(rows, 1)
    )
    return Reply(messages=(RichMessage((Heading(title), Bullets(items)), "\n".join(items)),))


@registry.command(
    "lang",
    usage="/paper lang <en|ko|ja|zh>",
    help=N_("Set this channel's language (admins)."),
    admin_only=True,
)
async def lang_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    choice = args.strip().lower()
    if choice not in get_args(Language):
        current = await language_for(app, ctx)
        return Reply.error(
            t(
                "This channel reads {name} ({code}). Choose one of: en, ko, ja, zh — e.g. `/paper lang ko`.",
                await own_language(app, ctx),
                name=LANGUAGE_NAMES[current],
                code=current,
            )
        )
    language = next(code for code in get_args(Language) if code == choice)
    await app.channels.update(ctx.channel, ctx.team, language=language)
    return Reply(
        text=t(
            "Paperboy will now write in {name} in this channel.",
            language,
            name=LANGUAGE_NAMES[language],
        )
    )


@registry.command(
    "digest",
    usage="/paper digest preview [2024-W11]",
    help=N_("Preview this week's digest for this channel (only you see it)."),
)
async def digest_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    words = args.split()
    if not words or words[0] != "preview":
        return Reply.error(
            t(
                "Use `/paper digest preview` (optionally with a week like 2024-W11).",
                await own_language(app, ctx),
            )
        )
    week = parse_week(words[1]) if len(words) > 1 else None
    request = await app.plan(ctx.channel, ctx.team, week=week)
    digest = await app.digests.build(request)
    return Reply(messages=tuple(render_digest(digest)), ephemeral=True)
