"""`/paper schedule` and `/paper topics`: when this channel's weekly digest runs, and on what.

    /paper schedule                          show it (and the next run)
    /paper schedule "0 9 * * MON" Asia/Seoul cron (five fields, quoted or not) and IANA time zone
    /paper schedule off | on                 stop / restart the weekly digest here
    /paper schedule size 5                   papers per digest (1-30)
    /paper schedule sources hf,arxiv,shared  where candidates come from (`all` = every source)
    /paper topics llm agents, diffusion cs.CV   keywords and arXiv categories (`clear` to reset)

Admins only (the adapter decides who is one). A bad cron or zone answers with an example.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from typing import get_args

from bot.commands.base import CommandContext, Reply, Services, language_for, own_language, registry
from bot.domain import Language
from bot.errors import BadReference
from bot.i18n import N_, Text, language_name, lazy, lazy_n, moment, render, t, tn
from bot.render import Bullets, Context, Heading, RichMessage
from bot.services.channels import ChannelConfig, ChannelView, Source
from bot.services.schedule import BadSchedule, Schedule, check_cron
from bot.text import clean
from bot.window import window_before

SOURCE_NAMES: dict[str, str] = {
    "hf": N_("Hugging Face trending"),
    "arxiv": N_("arXiv categories"),
    "shared": N_("links shared in the channel"),
}
_SOURCE_ALIASES = {"huggingface": "hf", "hugging-face": "hf", "links": "shared", "arXiv": "arxiv"}
_CATEGORY = re.compile(
    r"^(cs|stat|math|eess|econ|q-bio|q-fin|physics|astro-ph|cond-mat|nlin|hep-[a-z]+|nucl-[a-z]+"
    r"|gr-qc|quant-ph|math-ph)(\.[A-Za-z-]+)?$",
    re.IGNORECASE,
)
_UPPER_SUBJECTS = ("cs", "stat", "math", "eess", "econ", "q-bio", "q-fin")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
MAX_TOPICS = 20
USAGE = N_(
    'Use `/paper schedule "0 9 * * MON" Asia/Seoul`, `/paper schedule off`, '
    "`/paper schedule size 5` or `/paper schedule sources hf,arxiv,shared`."
)


@registry.command(
    "schedule",
    usage='/paper schedule ["0 9 * * MON" Asia/Seoul | off | on | size N | sources …]',
    help=N_("Show or set when this channel's weekly digest is posted (admins)."),
    admin_only=True,
)
async def schedule_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    words = _words(args)
    if not words:
        return await show(app, ctx)
    head = words[0].lower()
    if head in ("off", "on"):
        await app.channels.update(ctx.channel, ctx.team, digests=head == "on")
        if head == "off":
            text = N_("Weekly digests are off in this channel (`/paper schedule on`).")
            return Reply(text=t(text, await language_for(app, ctx)))
        return await _changed(app, ctx, lazy("Weekly digests are on in this channel."))
    if head == "size":
        return await _size(app, ctx, words[1:])
    if head == "sources":
        sources = parse_sources(" ".join(words[1:]))
        await app.channels.update(ctx.channel, ctx.team, sources=sources)
        return await _changed(app, ctx, lazy("Digest sources updated."))
    cron, zone = split_schedule(words)
    view = await app.channels.view(ctx.channel, ctx.team)
    schedule = Schedule.of(cron, zone or view.zone.key)
    await app.channels.update(
        ctx.channel, ctx.team, schedule=schedule.cron, timezone=schedule.timezone, digests=True
    )
    return await _changed(app, ctx, lazy("Weekly digest schedule updated."))


@registry.command(
    "topics",
    usage="/paper topics [keywords, arXiv categories | clear]",
    help=N_("Show or set the topics and arXiv categories of this channel's digest (admins)."),
    admin_only=True,
)
async def topics_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    text = args.strip()
    if not text:
        view = await app.channels.view(ctx.channel, ctx.team)
        return Reply(
            text=describe_topics(view.stored, await own_language(app, ctx)), ephemeral=True
        )
    topics, categories = ((), ()) if text.lower() in ("clear", "none") else split_topics(text)
    view = await app.channels.update(ctx.channel, ctx.team, topics=topics, categories=categories)
    topics_now = describe_topics(view.stored, view.language)
    return Reply(text=t("Digest topics updated. {topics}", view.language, topics=topics_now))


async def _size(app: Services, ctx: CommandContext, words: list[str]) -> Reply:
    if len(words) != 1 or not words[0].isdigit() or not 1 <= int(words[0]) <= 30:
        text = N_("Use `/paper schedule size N` with N from 1 to 30.")
        return Reply.error(t(text, await own_language(app, ctx)))
    size = int(words[0])
    await app.channels.update(ctx.channel, ctx.team, digest_size=size)
    return await _changed(
        app,
        ctx,
        lazy_n("Digests here will have {n} paper.", "Digests here will have {n} papers.", size),
    )


# -- parsing ---------------------------------------------------------------------------------------
def _words(args: str) -> list[str]:
    try:
        return shlex.split(args.translate(_QUOTES))
    except ValueError:
        raise BadSchedule(lazy("Unbalanced quotes. {usage}", usage=lazy(USAGE))) from None


def split_schedule(words: list[str]) -> tuple[str, str | None]:
    """(cron, zone or None) from `"0 9 * * MON" Asia/Seoul` or `0 9 * * MON Asia/Seoul`."""
    if len(words) in (5, 6):
        return check_cron(" ".join(words[:5])), (words[5] if len(words) == 6 else None)
    if len(words) in (1, 2):
        return check_cron(words[0]), (words[1] if len(words) == 2 else None)
    raise BadSchedule(lazy("I could not read that schedule. {usage}", usage=lazy(USAGE)))


def parse_sources(text: str) -> tuple[Source, ...]:
    """`hf,arxiv` -> ("hf", "arxiv"); `all` (or nothing) -> () meaning every source."""
    names = [w.strip() for w in re.split(r"[,\s]+", text) if w.strip()]
    if not names or [n.lower() for n in names] == ["all"]:
        return ()
    chosen: list[Source] = []
    for name in names:
        key = _SOURCE_ALIASES.get(name, name.lower())
        source = next((s for s in get_args(Source) if s == key), None)
        if source is None:
            raise BadReference(
                lazy("Unknown source {name}: choose from hf, arxiv, shared.", name=repr(name[:30]))
            )
        if source not in chosen:
            chosen.append(source)
    return tuple(chosen)


def split_topics(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keywords, arXiv categories) from `llm agents, diffusion cs.CV`: comma-separated
    phrases; words that are arXiv categories (cs.CL, stat.ML...) become categories."""
    topics: list[str] = []
    categories: list[str] = []
    for part in clean(text).split(","):
        words = part.split()
        categories += [_category(w) for w in words if _CATEGORY.match(w)]
        phrase = " ".join(w for w in words if not _CATEGORY.match(w))[:60].strip()
        if phrase:
            topics.append(phrase.lower())
    if len(topics) + len(categories) > MAX_TOPICS:
        raise BadReference(lazy("At most {n} topics and categories, please.", n=MAX_TOPICS))
    return tuple(dict.fromkeys(topics)), tuple(dict.fromkeys(categories))


def _category(word: str) -> str:
    archive, _, subject = word.partition(".")
    archive = archive.lower()
    if subject and archive in _UPPER_SUBJECTS:
        subject = subject.upper()
    return f"{archive}.{subject}" if subject else archive


# -- showing ---------------------------------------------------------------------------------------
async def show(app: Services, ctx: CommandContext) -> Reply:
    """The channel's digest settings and next run, only to the admin who asked."""
    lang = await own_language(app, ctx)
    lines = describe(await app.channels.view(ctx.channel, ctx.team), app.clock(), lang)
    heading = Heading(t("📅 Weekly digest in this channel", lang))
    message = RichMessage(
        (heading, Bullets(tuple(lines)), Context(t(USAGE, lang))), "\n".join(lines)
    )
    return Reply(messages=(message,), ephemeral=True)


async def _changed(app: Services, ctx: CommandContext, what: Text) -> Reply:
    """A change, confirmed in the channel (in its language, the new one included)."""
    view = await app.channels.view(ctx.channel, ctx.team)
    lines = describe(view, app.clock(), view.language)
    return Reply(text=f"{what.render(view.language)} {lines[0]}")


def describe(view: ChannelView, now: datetime, language: Language) -> list[str]:
    """A channel's digest settings as lines in `language`, the same in chat and in the CLI."""
    if view.problem:
        problem = render(view.problem, language)
        return [t("The stored schedule cannot be used: {problem}", language, problem=problem)]
    sources = ", ".join(t(SOURCE_NAMES[s], language) for s in view.sources)
    size = tn(
        "{n} paper, in {language}",
        "{n} papers, in {language}",
        view.digest_size,
        language,
        language=language_name(view.language, language),
    )
    return [
        describe_schedule(view, now, language),
        size,
        describe_topics(view.stored, language),
        t("Sources: {sources}.", language, sources=sources),
    ]


def describe_schedule(view: ChannelView, now: datetime, language: Language) -> str:
    """When the next digest comes and which days it will cover, in the channel's zone."""
    schedule = view.schedule
    if schedule is None:
        return t("Weekly digests are off (`/paper schedule on`).", language)
    upcoming = schedule.next(now)
    values = {
        "schedule": schedule.describe(),
        "when": moment(upcoming, language),
        "covers": window_before(upcoming, view.zone).label(language),
    }
    if view.default_schedule:
        text = N_("Schedule: {schedule} (the default); next digest {when}, covering {covers}.")
        return t(text, language, **values)
    return t("Schedule: {schedule}; next digest {when}, covering {covers}.", language, **values)


def describe_topics(config: ChannelConfig, language: Language) -> str:
    none = t("none", language)
    topics = ", ".join(config.topics) or none
    categories = ", ".join(config.categories) or none
    text = N_("Topics: {topics}; arXiv categories: {categories}.")
    return t(text, language, topics=topics, categories=categories)
