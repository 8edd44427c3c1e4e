"""The `/paper` sub-commands: help, top, lang, digest preview."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from bot.commands.base import CommandContext, Reply, registry
from bot.domain import Language
from bot.render import Bullets, Context, Heading, RichMessage, render_digest
from bot.services.digest import DigestRequest
from bot.text import clean
from bot.weeks import iso_week, parse_week

if TYPE_CHECKING:
    from bot.app import Paperboy

LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "ja": "日本語", "zh": "中文"}


@registry.command("help", usage="/paper help", help="Show what Paperboy can do.")
async def help_command(app: Paperboy, ctx: CommandContext, args: str) -> Reply:
    lines = ["`/paper <arXiv id | link | keywords>` — summarise a paper in this channel's language"]
    lines += [f"`{spec.usage}` — {spec.help}" for spec in registry.specs()]
    lines.append("React 👍 🔥 ⬆️ (up) or 👎 (down) on a paper message to vote.")
    message = RichMessage((Heading("Paperboy"), Bullets(tuple(lines))), "\n".join(lines))
    return Reply(messages=(message,), ephemeral=True)


@registry.command(
    "top",
    usage="/paper top [week|all]",
    help="The team's most voted papers this week or of all time.",
)
async def top_command(app: Paperboy, ctx: CommandContext, args: str) -> Reply:
    scope = args.strip().lower() or "week"
    if scope not in ("week", "all"):
        return Reply.error("Use `/paper top week` or `/paper top all`.")
    week = iso_week() if scope == "week" else None
    rows = await app.votes.leaderboard(week, limit=10)
    title = f"🏆 Top papers · {week}" if week else "🏆 Top papers · all time"
    if not rows:
        text = "No votes yet. React 👍 on a paper message to vote."
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
    help="Set this channel's language (admins).",
    admin_only=True,
)
async def lang_command(app: Paperboy, ctx: CommandContext, args: str) -> Reply:
    choice = args.strip().lower()
    if choice not in get_args(Language):
        current = await app.language_for(ctx)
        return Reply.error(
            f"This channel reads {LANGUAGE_NAMES[current]} ({current}). "
            "Choose one of: en, ko, ja, zh — e.g. `/paper lang ko`."
        )
    await app.channels.update_config(ctx.channel, language=choice)
    return Reply(text=f"Paperboy will now write in {LANGUAGE_NAMES[choice]} in this channel.")


@registry.command(
    "digest",
    usage="/paper digest preview [2024-W11]",
    help="Preview this week's digest for this channel (only you see it).",
)
async def digest_command(app: Paperboy, ctx: CommandContext, args: str) -> Reply:
    words = args.split()
    if not words or words[0] != "preview":
        return Reply.error("Use `/paper digest preview` (optionally with a week like 2024-W11).")
    week = parse_week(words[1]) if len(words) > 1 else iso_week()
    config = await app.channels.config(ctx.channel)
    request = DigestRequest(
        week=week,
        language=await app.language_for(ctx),
        channel=ctx.channel,
        limit=config.digest_size or app.settings.digest_size,
        topics=config.topics,
        categories=config.categories,
    )
    digest = await app.digests.build(request)
    return Reply(messages=tuple(render_digest(digest)), ephemeral=True)
