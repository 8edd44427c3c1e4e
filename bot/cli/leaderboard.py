"""`paperboy leaderboard`: one team's most voted papers (its linked teams' votes included)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import cli_language, fail, out, print_json, run_async, settings_or_exit
from bot.errors import BadReference
from bot.i18n import N_, lazy, t

if TYPE_CHECKING:
    from bot.domain import Language
    from bot.services.teams import TeamStore

# What a command needs to run is imported inside it (bot.cli.common says why).


def leaderboard(
    team: Annotated[
        str | None,
        typer.Option(help="the team, e.g. slack:T123 or discord:456 (default: the only one)"),
    ] = None,
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2024-W11 (default: this week)")
    ] = None,
    all_time: Annotated[bool, typer.Option("--all", help="all-time leaderboard")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help='print a JSON list of {"id", "title", "up", …}')
    ] = False,
) -> None:
    """Papers by net votes of one team (and the teams linked to it)."""
    from bot.services.teams import parse_team  # noqa: PLC0415
    from bot.stores import open_stores  # noqa: PLC0415
    from bot.weeks import iso_week, parse_week  # noqa: PLC0415

    if week and all_time:
        fail(lazy("choose --week or --all, not both"))
    settings = settings_or_exit(quiet=as_json)
    scope = None if all_time else (parse_week(week) if week else iso_week())
    chosen = parse_team(team) if team else None

    async def main() -> None:
        async with open_stores(settings) as app:
            which = chosen or await only_team(app.teams)
            rows = await app.votes.leaderboard(
                await app.teams.ledger(which) if which else (), scope, limit=limit
            )
            papers = await app.cache.get_many([arxiv_id for arxiv_id, _ in rows])
        data = [
            {
                "id": a,
                "title": papers[a].title if a in papers else None,
                "up": t.up,
                "down": t.down,
                "score": t.net,
            }
            for a, t in rows
        ]
        if as_json:
            print_json(data)
            return
        language = cli_language(settings)
        _print(data, _title(which, scope, language), language)

    run_async(main, settings)


async def only_team(teams: TeamStore) -> str | None:
    """The deployment's one team, when it has one; None when it has none yet."""
    known = await teams.known()
    if len(known) > 1:
        message = N_("several teams vote here ({teams}): choose one with --team")
        raise BadReference(lazy(message, teams=", ".join(known)))
    return known[0] if known else None


def _title(team: str | None, week: str | None, language: Language) -> str:
    who = team or t("no team", language)
    if week is None:
        return t("Top papers · {team} · all time", language, team=who)
    return t("Top papers · {team} · {week}", language, team=who, week=week)


def _print(data: list[dict[str, Any]], title: str, language: Language) -> None:
    from rich.table import Table  # noqa: PLC0415

    if not data:
        out.print(t("No votes yet.", language))
        return
    table = Table(title=title)
    for column in ("#", "arXiv", t("title", language), "👍", "👎"):
        table.add_column(column)
    for rank, row in enumerate(data, 1):
        table.add_row(
            str(rank), str(row["id"]), str(row["title"] or ""), str(row["up"]), str(row["down"])
        )
    out.print(table)
