"""`paperboy schedule list|set|off`: the channels' weekly digest schedules, from the terminal.

The same records `/paper schedule` and `/paper topics` change in chat (`ChannelConfig` in
Redis); the workers read them at their next check.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.app import Paperboy
from bot.cli.common import out, run_async, settings_or_exit
from bot.cli.show import print_json
from bot.commands.schedule import describe_topics, parse_sources, split_topics
from bot.config import Settings
from bot.domain import ChannelRef, Language
from bot.services.channels import ChannelConfig
from bot.services.poster import DigestPoster
from bot.services.schedule import Schedule, clock_from, due_digest, schedule_of

schedule_app = typer.Typer(
    name="schedule",
    no_args_is_help=True,
    help="Show or change when each channel's weekly digest is posted.",
)
ChannelArg = Annotated[str, typer.Argument(help="the channel, e.g. slack:C123 or discord:1234")]


@schedule_app.command("list")
def list_schedules(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Every known channel: schedule, time zone, next run, and whether this week's is posted."""
    settings = settings_or_exit(quiet=as_json)

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            rows = [await _row(app, channel) for channel in await app.channels.known_channels()]
        if as_json:
            print_json({"channels": rows})
            return
        _print_table(rows)

    run_async(main, settings)


async def _row(app: Paperboy, channel: ChannelRef) -> dict[str, Any]:
    settings = app.settings
    config = await app.channels.config(channel)
    schedule = schedule_of(config, default=Schedule.of(settings.schedule, settings.timezone))
    now = clock_from(settings.test_now)()
    this_week = None
    if schedule is not None:
        due = due_digest(channel, schedule, now, late_after=timedelta(seconds=settings.late_after))
        poster = DigestPoster(app.redis, app.channels)
        this_week = due and {"week": due.week, "posted": await poster.is_done(channel, due.week)}
    return {
        "channel": channel.key,
        "digests": schedule is not None,
        "cron": schedule.cron if schedule else None,
        "timezone": schedule.timezone if schedule else None,
        "next": schedule.next(now).isoformat() if schedule else None,
        "this_week": this_week,
        "language": config.language or settings.language,
        "size": config.digest_size or settings.digest_size,
        "topics": list(config.topics),
        "categories": list(config.categories),
        "sources": list(config.sources) or ["hf", "arxiv", "shared"],
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("No channels yet: `paperboy schedule set slack:C123` adds one.")
        return
    table = Table(title="Weekly digests")
    for column in ("channel", "schedule", "time zone", "next", "this week", "papers", "topics"):
        table.add_column(column)
    for row in rows:
        week = row["this_week"]
        status = f"{week['week']} {'posted' if week['posted'] else 'due'}" if week else ""
        table.add_row(
            row["channel"],
            row["cron"] or "off",
            row["timezone"] or "",
            (row["next"] or "")[:16].replace("T", " "),
            status,
            f"{row['size']} · {row['language']}",
            ", ".join(row["topics"] + row["categories"]),
        )
    out.print(table)


@schedule_app.command("set")
def set_schedule(
    channel: ChannelArg,
    cron: Annotated[
        str | None, typer.Argument(help='five-field cron, e.g. "0 9 * * MON" (default: keep)')
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone, e.g. Asia/Seoul")] = None,
    size: Annotated[int | None, typer.Option(min=1, max=30, help="papers per digest")] = None,
    lang: Annotated[Language | None, typer.Option(help="digest language")] = None,
    topics: Annotated[
        str | None, typer.Option(help='keywords and arXiv categories: "llm agents, cs.CL"')
    ] = None,
    sources: Annotated[str | None, typer.Option(help="hf,arxiv,shared or all")] = None,
) -> None:
    """Add a channel, or change its schedule, time zone, size, language, topics or sources."""
    settings = settings_or_exit()
    where = ChannelRef.parse(channel)
    changes = _changes(settings, cron, tz, size, lang, topics, sources)

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            current = await app.channels.config(where)
            merged = _validated(settings, current, changes)
            await app.channels.set_config(where, merged)
        _say(settings, where, merged)

    run_async(main, settings)


def _changes(
    settings: Settings,
    cron: str | None,
    tz: str | None,
    size: int | None,
    lang: Language | None,
    topics: str | None,
    sources: str | None,
) -> dict[str, Any]:
    changes: dict[str, Any] = {"digests": True}
    if cron is not None:
        changes["schedule"] = Schedule.of(cron, tz or settings.timezone).cron
    if tz is not None:
        changes["timezone"] = Schedule.of(settings.schedule, tz).timezone
    if size is not None:
        changes["digest_size"] = size
    if lang is not None:
        changes["language"] = lang
    if topics is not None:
        changes["topics"], changes["categories"] = split_topics(topics)
    if sources is not None:
        changes["sources"] = parse_sources(sources)
    return changes


def _validated(
    settings: Settings, current: ChannelConfig, changes: dict[str, Any]
) -> ChannelConfig:
    merged = ChannelConfig.model_validate({**current.model_dump(), **changes})
    schedule_of(merged, default=Schedule.of(settings.schedule, settings.timezone))
    return merged


def _say(settings: Settings, channel: ChannelRef, config: ChannelConfig) -> None:
    schedule = schedule_of(config, default=Schedule.of(settings.schedule, settings.timezone))
    if schedule is None:
        out.print(f"{channel.key}: weekly digests off")
        return
    upcoming = schedule.next(clock_from(settings.test_now)())
    out.print(
        f"{channel.key}: `{schedule.cron}` in {schedule.timezone}; next digest "
        f"{upcoming:%a %Y-%m-%d %H:%M %Z}. {describe_topics(config)}",
        highlight=False,
        markup=False,
    )


@schedule_app.command("off")
def off(channel: ChannelArg) -> None:
    """Stop a channel's weekly digest (`paperboy schedule set CHANNEL` turns it back on)."""
    settings = settings_or_exit()
    where = ChannelRef.parse(channel)

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            await app.channels.update_config(where, digests=False)
        out.print(f"{where.key}: weekly digests off")

    run_async(main, settings)
