"""`paperboy schedule list|set|off`: the channels' weekly digest schedules, from the terminal.

The same records `/paper schedule` and `/paper topics` change in chat (`ChannelConfig` in
Redis); the workers read them at their next check.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import cli_language, out, print_json, run_async, settings_or_exit
from bot.i18n import N_, language_name, moment, number, t
from bot.languages import Language

if TYPE_CHECKING:
    from bot.app import Paperboy
    from bot.config import Settings
    from bot.services.channels import ChannelView

# What a command needs to run is imported inside it (bot.cli.common says why).

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
    from bot.app import Paperboy  # noqa: PLC0415

    settings = settings_or_exit(quiet=as_json)

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            rows = [await _row(app, view) for view in await app.channels.views()]
        if as_json:
            print_json({"channels": rows})
            return
        _print_table(rows, cli_language(settings))

    run_async(main, settings)


async def _row(app: Paperboy, view: ChannelView) -> dict[str, Any]:
    from bot.services.schedule import due_digest, posted_now  # noqa: PLC0415
    from bot.window import window_before  # noqa: PLC0415

    assert view.channel is not None  # views() lists registered channels only
    schedule, now = view.schedule, app.clock()
    this_week = None
    if schedule is not None:
        due = due_digest(
            view.channel,
            schedule,
            now,
            late_after=timedelta(seconds=app.settings.late_after),
            team=view.team,
        ) or posted_now(view.channel, view.team, view.zone, now)
        this_week = {"week": due.week, "posted": await app.poster.is_done(due)}
    upcoming = schedule.next(now) if schedule else None
    return {
        "channel": view.channel.key,
        "team": view.team,
        "digests": schedule is not None,
        "cron": schedule.cron if schedule else None,
        "timezone": view.zone.key,
        "next": upcoming.isoformat() if upcoming else None,
        "covers": window_before(upcoming, view.zone).label(view.language) if upcoming else None,
        "this_week": this_week,
        "language": view.language,
        "size": view.digest_size,
        "topics": list(view.topics),
        "categories": list(view.categories),
        "sources": list(view.sources),
    }


COLUMNS = (
    N_("channel"),
    N_("schedule"),
    N_("time zone"),
    N_("next digest"),
    N_("this week"),
    N_("papers"),
    N_("topics"),
)


def _print_table(rows: list[dict[str, Any]], language: Language) -> None:
    from rich.table import Table  # noqa: PLC0415

    if not rows:
        out.print(t("No channels yet: `paperboy schedule set slack:C123` adds one.", language))
        return
    table = Table(title=t("Weekly digests", language))
    for column in COLUMNS:
        table.add_column(t(column, language))
    for row in rows:
        table.add_row(
            row["channel"],
            row["cron"] or t("off", language),
            row["timezone"] or "",
            _next_run(row, language),
            _this_week(row["this_week"], language),
            f"{number(row['size'], language)} · {language_name(row['language'], language)}",
            ", ".join(row["topics"] + row["categories"]),
        )
    out.print(table)


def _next_run(row: dict[str, Any], language: Language) -> str:
    """The next run and the days it covers, written the way `language` writes dates."""
    from datetime import datetime  # noqa: PLC0415
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from bot.window import window_before  # noqa: PLC0415

    if not row["next"]:
        return ""
    upcoming = datetime.fromisoformat(row["next"])
    covers = window_before(upcoming, ZoneInfo(row["timezone"])).label(language)
    return f"{moment(upcoming, language)} ({covers})"


def _this_week(week: dict[str, Any] | None, language: Language) -> str:
    if week is None:
        return ""
    if week["posted"]:
        return t("{week} posted", language, week=week["week"])
    return t("{week} due", language, week=week["week"])


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
    team: Annotated[
        str | None,
        typer.Option(help="the channel's team, e.g. slack:T123 (default: the one Paperboy knows)"),
    ] = None,
) -> None:
    """Add a channel, or change its schedule, time zone, size, language, topics or sources."""
    from bot.app import Paperboy  # noqa: PLC0415
    from bot.commands.schedule import describe  # noqa: PLC0415
    from bot.domain import ChannelRef  # noqa: PLC0415
    from bot.services.channels import ChannelConfig  # noqa: PLC0415
    from bot.services.schedule import BadSchedule  # noqa: PLC0415
    from bot.services.teams import parse_team  # noqa: PLC0415

    settings = settings_or_exit()
    where = ChannelRef.parse(channel)
    changes = _changes(settings, cron, tz, size, lang, topics, sources)
    owner = parse_team(team) if team else ""

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            current = await app.channels.view(where, owner)
            merged = ChannelConfig.model_validate({**current.stored.model_dump(), **changes})
            view = await app.channels.store(where, current.team, merged)
            if view.problem:
                raise BadSchedule(view.problem)
            lines = describe(view, app.clock(), cli_language(settings))
        out.print(f"{where.key} ({view.team}): " + " ".join(lines), highlight=False, markup=False)

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
    from bot.commands.schedule import parse_sources, split_topics  # noqa: PLC0415
    from bot.services.schedule import Schedule  # noqa: PLC0415

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


@schedule_app.command("off")
def off(channel: ChannelArg) -> None:
    """Stop a channel's weekly digest (`paperboy schedule set CHANNEL` turns it back on)."""
    from bot.app import Paperboy  # noqa: PLC0415
    from bot.domain import ChannelRef  # noqa: PLC0415

    settings = settings_or_exit()
    where = ChannelRef.parse(channel)

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            await app.channels.update(where, digests=False)
        message = t("{channel}: weekly digests off", cli_language(settings), channel=where.key)
        out.print(message, highlight=False)

    run_async(main, settings)
