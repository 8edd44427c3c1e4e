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
from typing import TYPE_CHECKING, get_args

from bot.commands.base import CommandContext, Reply, registry
from bot.domain import ChannelRef
from bot.errors import BadReference
from bot.render import Bullets, Context, Heading, RichMessage
from bot.services.channels import ChannelConfig, Source
from bot.services.schedule import (
    BadSchedule,
    Schedule,
    check_cron,
    clock_from,
    schedule_of,
)
from bot.text import clean

if TYPE_CHECKING:
    from bot.app import Paperboy

SOURCE_NAMES: dict[str, str] = {
    "hf": "Hugging Face trending",
    "arxiv": "arXiv categories",
    "shared": "links shared in the channel",
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
USAGE = (
    'Use `/paper schedule "0 9 * * MON" Asia/Seoul`, `/paper schedule off`, '
    "`/paper schedule size 5` or `/paper schedule sources hf,arxiv,shared`."
)


@registry.command(
    "schedule",
    usage='/paper schedule ["0 9 * * MON" Asia/Seoul | off | on | size N | sources …]',
    help="Show or set when this channel's weekly digest is posted (admins).",
    admin_only=True,
)
async def schedule_command(app: Paperboy, ctx: CommandContext, args: str) -> Reply:
    words = _words(args)
    if not words:
        return await show(app, ctx.channel)
    head = words[0].lower()
    if head in ("off", "on"):
        await app.channels.update_config(ctx.channel, digests=head == "on")
        if head == "off":
            return Reply(text="Weekly digests are off in this channel (`/paper schedule on`).")
        return await _changed(app, ctx.channel, "Weekly digests are on in this channel.")
    if head == "size":
        return await _size(app, ctx.channel, words[1:])
    if head == "sources":
        sources = parse_sources(" ".join(words[1:]))
        await app.channels.update_config(ctx.channel, sources=sources)
        return await _changed(app, ctx.channel, "Digest sources updated.")
    cron, zone = split_schedule(words)
    config = await app.channels.config(ctx.channel)
    timezone = zone or config.timezone or app.settings.timezone
    schedule = Schedule.of(cron, timezone)
    await app.channels.update_config(
        ctx.channel, schedule=schedule.cron, timezone=schedule.timezone, digests=True
    )
    return await _changed(app, ctx.channel, "Weekly digest schedule updated.")


@registry.command(
    "topics",
    usage="/paper topics [keywords, arXiv categories | clear]",
    help="Show or set the topics and arXiv categories of this channel's digest (admins).",
    admin_only=True,
)
async def topics_command(app: Paperboy, ctx: CommandContext, args: str) -> Reply:
    text = args.strip()
    if not text:
        config = await app.channels.config(ctx.channel)
        return Reply(text=describe_topics(config), ephemeral=True)
    topics, categories = ((), ()) if text.lower() in ("clear", "none") else split_topics(text)
    config = await app.channels.update_config(ctx.channel, topics=topics, categories=categories)
    return Reply(text=f"Digest topics updated. {describe_topics(config)}")


async def _size(app: Paperboy, channel: ChannelRef, words: list[str]) -> Reply:
    if len(words) != 1 or not words[0].isdigit() or not 1 <= int(words[0]) <= 30:
        return Reply.error("Use `/paper schedule size N` with N from 1 to 30.")
    await app.channels.update_config(channel, digest_size=int(words[0]))
    return await _changed(app, channel, f"Digests here will have {int(words[0])} papers.")


# -- parsing ---------------------------------------------------------------------------------------
def _words(args: str) -> list[str]:
    try:
        return shlex.split(args.translate(_QUOTES))
    except ValueError:
        raise BadSchedule(f"Unbalanced quotes. {USAGE}") from None


def split_schedule(words: list[str]) -> tuple[str, str | None]:
    """(cron, zone or None) from `"0 9 * * MON" Asia/Seoul` or `0 9 * * MON Asia/Seoul`."""
    if len(words) in (5, 6):
        return check_cron(" ".join(words[:5])), (words[5] if len(words) == 6 else None)
    if len(words) in (1, 2):
        return check_cron(words[0]), (words[1] if len(words) == 2 else None)
    raise BadSchedule(f"I could not read that schedule. {USAGE}")


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
            raise BadReference(f"Unknown source {name[:30]!r}: choose from hf, arxiv, shared.")
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
        raise BadReference(f"At most {MAX_TOPICS} topics and categories, please.")
    return tuple(dict.fromkeys(topics)), tuple(dict.fromkeys(categories))


def _category(word: str) -> str:
    archive, _, subject = word.partition(".")
    archive = archive.lower()
    if subject and archive in _UPPER_SUBJECTS:
        subject = subject.upper()
    return f"{archive}.{subject}" if subject else archive


# -- showing ---------------------------------------------------------------------------------------
async def show(app: Paperboy, channel: ChannelRef) -> Reply:
    """The channel's digest settings and next run, only to the admin who asked."""
    lines = await describe(app, channel)
    message = RichMessage(
        (Heading("📅 Weekly digest in this channel"), Bullets(tuple(lines)), Context(USAGE)),
        "\n".join(lines),
    )
    return Reply(messages=(message,), ephemeral=True)


async def _changed(app: Paperboy, channel: ChannelRef, what: str) -> Reply:
    lines = await describe(app, channel)
    return Reply(text=f"{what} {lines[0]}")


async def describe(app: Paperboy, channel: ChannelRef) -> list[str]:
    config = await app.channels.config(channel)
    settings = app.settings
    default = Schedule.of(settings.schedule, settings.timezone)
    try:
        schedule = schedule_of(config, default=default)
    except BadSchedule as exc:
        return [f"The stored schedule cannot be used: {exc}"]
    size = config.digest_size or settings.digest_size
    sources = ", ".join(SOURCE_NAMES[s] for s in (config.sources or get_args(Source)))
    return [
        describe_schedule(schedule, config, clock_from(settings.test_now)()),
        f"{size} papers, in {config.language or settings.language}",
        describe_topics(config),
        f"Sources: {sources}.",
    ]


def describe_schedule(schedule: Schedule | None, config: ChannelConfig, now: datetime) -> str:
    if schedule is None:
        return "Weekly digests are off (`/paper schedule on`)."
    upcoming = schedule.next(now)
    origin = "" if config.schedule or config.timezone else " (the default)"
    when = upcoming.strftime("%a %Y-%m-%d %H:%M %Z")
    return f"Schedule: {schedule.describe()}{origin}; next digest {when}."


def describe_topics(config: ChannelConfig) -> str:
    topics = ", ".join(config.topics) or "none"
    categories = ", ".join(config.categories) or "none"
    return f"Topics: {topics}; arXiv categories: {categories}."
