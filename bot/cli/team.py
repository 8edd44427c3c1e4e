"""`paperboy team link|unlink|list`: which teams share one ledger of votes.

A lab on Slack and Discord links its workspace and its server, so votes cast on either platform
rank the same papers. Votes stay where they were cast: `unlink` splits the ledger again. From
chat, admins of both sides do the same with `/paper team link` and a one-time code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import cli_language, out, print_json, run_async, settings_or_exit
from bot.i18n import N_, t

if TYPE_CHECKING:
    from bot.domain import Language

# What a command needs to run is imported inside it (bot.cli.common says why).

team_app = typer.Typer(
    name="team",
    no_args_is_help=True,
    help="Link a Slack workspace and a Discord server so they share votes and rankings.",
)
TeamArg = Annotated[str, typer.Argument(help="a team: slack:T123 (workspace) or discord:456")]


@team_app.command("link")
def link(first: TeamArg, second: TeamArg) -> None:
    """Share votes, leaderboard and ranking between two teams (and their linked teams)."""
    from bot.services.teams import parse_team  # noqa: PLC0415
    from bot.stores import open_stores  # noqa: PLC0415

    settings = settings_or_exit()
    teams = parse_team(first), parse_team(second)

    async def main() -> None:
        async with open_stores(settings) as app:
            members = await app.teams.link(*teams)
        language = cli_language(settings)
        teams_linked = ", ".join(members)
        out.print(t("linked: {teams} share votes", language, teams=teams_linked), highlight=False)

    run_async(main, settings)


@team_app.command("unlink")
def unlink(team: TeamArg) -> None:
    """Stop sharing votes; each team keeps the votes cast in it."""
    from bot.services.teams import parse_team  # noqa: PLC0415
    from bot.stores import open_stores  # noqa: PLC0415

    settings = settings_or_exit()
    which = parse_team(team)

    async def main() -> None:
        async with open_stores(settings) as app:
            left = await app.teams.unlink(which)
        language = cli_language(settings)
        if left:
            text = N_("{team} shares votes with no other team; {teams} stay linked")
            out.print(t(text, language, team=which, teams=", ".join(left)), highlight=False)
        else:
            text = N_("{team} shares votes with no other team")
            out.print(t(text, language, team=which), highlight=False)

    run_async(main, settings)


@team_app.command("list")
def list_teams(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Every team Paperboy knows and the teams it shares votes with."""
    from bot.stores import open_stores  # noqa: PLC0415

    settings = settings_or_exit(quiet=as_json)

    async def main() -> None:
        async with open_stores(settings) as app:
            rows = [
                {
                    "team": team,
                    "shares_with": [o for o in await app.teams.ledger(team) if o != team],
                }
                for team in await app.teams.known()
            ]
        if as_json:
            print_json(rows)
            return
        _print_teams(rows, cli_language(settings))

    run_async(main, settings)


def _print_teams(rows: list[dict[str, Any]], language: Language) -> None:
    if not rows:
        out.print(t("No teams yet: Paperboy learns a team when someone uses it in chat.", language))
    for row in rows:
        if row["shares_with"]:
            shared = ", ".join(row["shares_with"])
            text = t("{team}: shares votes with {teams}", language, team=row["team"], teams=shared)
        else:
            text = t("{team}: shares votes with no other team", language, team=row["team"])
        out.print(text, highlight=False)
