"""The `paperboy` entry point: registers each command group's module."""

from __future__ import annotations

import typer

from bot import __version__
from bot.cli.common import user_errors
from bot.cli.digest import digest
from bot.cli.leaderboard import leaderboard
from bot.cli.paper import paper
from bot.cli.redis import redis_app
from bot.cli.run import run as run_command
from bot.cli.schedule import schedule_app
from bot.cli.team import team_app
from bot.cli.worker import worker

app = typer.Typer(
    name="paperboy",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Paperboy: the week's ML papers in your team's Slack and Discord channels.",
)
app.command()(paper)
app.command()(digest)
app.command()(leaderboard)
app.command("run")(run_command)
app.command()(worker)
app.add_typer(schedule_app, name="schedule")
app.add_typer(team_app, name="team")
app.add_typer(redis_app, name="redis")


@app.command()
def version() -> None:
    """Print Paperboy's version."""
    typer.echo(__version__)


def run() -> None:
    """Console entry point: user errors raised while parsing options are one line too."""
    with user_errors():
        app()
