"""`/paper <arXiv id | URL | keywords>`: the paper, summarised in the channel's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.base import CommandContext, Reply
from bot.render import Context, RichMessage, render_paper
from bot.text import clean

if TYPE_CHECKING:
    from bot.app import Paperboy


async def lookup(app: Paperboy, ctx: CommandContext, text: str) -> Reply:
    """Find, summarise and render one paper; keyword queries also list the next matches."""
    await app.guards.check_rate(ctx.user_key, app.settings.user_rate_limit)
    found = await app.lookup.find(text)
    language = await app.language_for(ctx)
    summary = await app.summarizer.summarize(found.paper, language)
    tally = await app.votes.tally(found.paper.arxiv_id)
    message = render_paper(found.paper, summary, tally)
    if found.alternatives:
        others = "  ".join(
            f"{i}. {clean(p.title)[:90]} ({p.arxiv_id})"
            for i, p in enumerate(found.alternatives, 1)
        )
        more = Context(f"Other matches — ask `/paper <id>`: {others}")
        message = RichMessage((*message.blocks, more), message.fallback, message.paper_id)
    return Reply(messages=(message,))
