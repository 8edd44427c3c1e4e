"""`paperboy leaderboard`: the team's most voted papers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.app import Paperboy
from bot.cli.common import fail, out, run_async, settings_or_exit
from bot.cli.show import print_json
from bot.weeks import iso_week, parse_week


def leaderboard(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2024-W11 (default: this week)")
    ] = None,
    all_time: Annotated[bool, typer.Option("--all", help="all-time leaderboard")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Papers by net team votes (Slack and Discord together)."""
    if week and all_time:
        fail("choose --week or --all, not both")
    settings = settings_or_exit(quiet=as_json)
    scope = None if all_time else (parse_week(week) if week else iso_week())

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            rows = await app.votes.leaderboard(scope, limit=limit)
            papers = await app.cache.get_many([arxiv_id for arxiv_id, _ in rows])
        data = [
            {
                "rank": i,
                "id": a,
                "title": papers[a].title if a in papers else None,
                "up": t.up,
                "down": t.down,
                "net": t.net,
            }
            for i, (a, t) in enumerate(rows, 1)
        ]
        if as_json:
            print_json({"scope": scope or "all", "papers": data})
            return
        table = Table(title=f"Top papers · {scope or 'all time'}")
        for column in ("#", "arXiv", "title", "👍", "👎"):
            table.add_column(column)
        for row in data:
            table.add_row(
                str(row["rank"]),
                str(row["id"]),
                str(row["title"] or ""),
                str(row["up"]),
                str(row["down"]),
            )
        out.print(table if data else "No votes yet.")

    run_async(main, settings)
