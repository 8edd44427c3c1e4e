"""`paperboy redis status|stop`: the Redis this machine's Paperboy uses.

With REDIS_URL unset, that is the embedded server of the data directory, shared by every
`paperboy` process using the directory and stopped by the last one to leave (see README).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.common import fail, out, settings_or_exit, user_errors

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services.redis_server import EmbeddedRedis, ServerStatus

# What a command needs to run is imported inside it (bot.cli.common says why).

redis_app = typer.Typer(
    name="redis",
    no_args_is_help=True,
    help="Show or stop the embedded Redis (the one Paperboy runs when REDIS_URL is unset).",
)


@redis_app.command()
def status() -> None:
    """Where Paperboy's Redis runs, whether it answers, and whether a process uses it."""
    from bot.app import data_dir  # noqa: PLC0415
    from bot.services.redis_errors import masked  # noqa: PLC0415
    from bot.services.redis_server import EmbeddedRedis  # noqa: PLC0415

    settings = settings_or_exit(quiet=True)
    with user_errors(settings):
        if settings.redis_url:
            _ping(settings.redis_url)
            out.print(f"REDIS_URL={masked(settings.redis_url)}: up", highlight=False)
            return
        out.print(_describe(EmbeddedRedis(data_dir(settings)).status()), highlight=False)


@redis_app.command()
def stop() -> None:
    """Stop the embedded Redis, unless a running paperboy process still uses it."""
    settings = settings_or_exit(quiet=True)
    with user_errors(settings):
        server = _embedded(settings)
        found = server.status()
        if not found.up and found.pid is None:
            out.print(f"the embedded Redis in {server.data_dir} is not running", highlight=False)
        elif server.shutdown_if_unused():
            out.print(f"stopped the embedded Redis in {server.data_dir}", highlight=False)
        else:
            fail(f"the embedded Redis in {server.data_dir} is in use: stop its paperboy first")


def _embedded(settings: Settings) -> EmbeddedRedis:
    from bot.app import data_dir  # noqa: PLC0415
    from bot.services.redis_errors import masked  # noqa: PLC0415
    from bot.services.redis_server import EmbeddedRedis  # noqa: PLC0415

    if settings.redis_url:
        fail(f"REDIS_URL is set ({masked(settings.redis_url)}): there is no embedded Redis")
    return EmbeddedRedis(data_dir(settings))


def _ping(url: str) -> None:
    import redis as sync_redis  # noqa: PLC0415

    from bot.services.redis_errors import checked_url  # noqa: PLC0415

    client = sync_redis.Redis.from_url(
        checked_url(url) or url, socket_connect_timeout=5, socket_timeout=5
    )
    try:
        client.ping()
    finally:
        client.close()


def _describe(found: ServerStatus) -> str:
    if not found.up:
        return f"embedded Redis: not running (data in {found.data_dir})"
    who = f"pid {found.pid}" if found.pid else "pid unknown"
    use = "in use by paperboy" if found.in_use else "unused"
    return f"embedded Redis: up at {found.url} ({who}, {use}), data in {found.data_dir}"
