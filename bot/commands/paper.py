"""`/paper <arXiv id | URL | keywords>`: the paper, summarised in the channel's language.

A paper already posted in the same channel in the last week is not posted again: the answer
links to that message, with its votes, for the asker only; `--again` posts it anyway.
"""

from __future__ import annotations

import re

from bot.commands.base import CommandContext, Reply, Services, language_for
from bot.domain import Language, Tally
from bot.i18n import t
from bot.render import Context, Link, Links, Paragraph, RichMessage, render_paper
from bot.services.live_votes import EarlierPost
from bot.services.lookup import Found
from bot.text import clean

# `--again`, also as chat clients autocorrect it (an em or en dash for the two hyphens)
AGAIN = re.compile(r"(?:^|\s)(?:--|\u2014|\u2013)again(?=\s|$)", re.IGNORECASE)


async def lookup(app: Services, ctx: CommandContext, text: str) -> Reply:
    """Find, summarise and render one paper; keyword queries also list the next matches.
    A paper the channel got this week is linked to instead (unless `--again`)."""
    team = await ctx.team_key(app)
    await app.guards.check_rate(team, ctx.user_key, app.settings.user_rate_limit)
    again = bool(AGAIN.search(text))
    found = await app.lookup.find(AGAIN.sub(" ", text).strip())
    language = await language_for(app, ctx)
    arxiv_id = found.paper.arxiv_id
    if not again and (earlier := await app.posts.claim(team, ctx.channel, arxiv_id)):
        tally = await app.votes.tally(await app.teams.ledger(team), arxiv_id)
        return already_posted(earlier, arxiv_id, tally, language)
    try:
        return await _answer(app, team, found, language)
    except Exception:
        if not again:  # nothing will be posted: the next ask may post it
            await app.posts.release(team, ctx.channel, arxiv_id)
        raise


async def _answer(app: Services, team: str, found: Found, language: Language) -> Reply:
    summary = await app.summarizer.summarize(found.paper, language)
    tally = await app.votes.tally(await app.teams.ledger(team), found.paper.arxiv_id)
    message = render_paper(found.paper, summary, tally)
    if found.alternatives:
        others = "  ".join(
            f"{i}. {clean(p.title)[:90]} ({p.arxiv_id})"
            for i, p in enumerate(found.alternatives, 1)
        )
        more = Context(t("Other matches — ask `/paper <id>`: {others}", language, others=others))
        message = RichMessage((*message.blocks, more), message.fallback, message.paper_id)
    return Reply(messages=(message,))


def already_posted(earlier: EarlierPost, arxiv_id: str, tally: Tally, language: Language) -> Reply:
    """For the asker only: the paper is in the channel already (a link to it and its votes),
    or being posted there right now; and how to post it again anyway."""
    if earlier.ref is None:
        text = t("This paper is being posted in this channel right now.", language)
        return Reply(messages=(RichMessage((Paragraph(text),), text),), ephemeral=True)
    text = t(
        "This paper was posted in this channel in the last 7 days: 👍 {up} · 👎 {down} so far.",
        language,
        up=tally.up,
        down=tally.down,
    )
    blocks: list[Paragraph | Links | Context] = [Paragraph(text)]
    if earlier.link:
        blocks.append(Links((Link(t("Open that message", language), earlier.link),)))
    hint = t("To post it again anyway: `/paper {arxiv_id} --again`", language, arxiv_id=arxiv_id)
    blocks.append(Context(hint))
    return Reply(messages=(RichMessage(tuple(blocks), text),), ephemeral=True)
