"""`python -m bot` is the `paperboy` command."""

from bot.cli.main import run

run()
