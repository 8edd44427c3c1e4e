"""`paperboy redis status|stop`: the Redis this machine's Paperboy uses.

With REDIS_URL unset, that is the embedded server of the data directory, shared by every
`paperboy` process using the directory and stopped by the last one to leave (see README).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.common import cli_language, fail, out, settings_or_exit, user_errors
from bot.i18n import N_, lazy, t

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.domain import Language
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
    from bot.services.redis_errors import masked  # noqa: PLC0415
    from bot.services.redis_server import EmbeddedRedis  # noqa: PLC0415
    from bot.stores import data_dir  # noqa: PLC0415

    settings = settings_or_exit(quiet=True)
    language = cli_language(settings)
    with user_errors(settings):
        if settings.redis_url:
            _ping(settings.redis_url)
            url = masked(settings.redis_url)
            out.print(t("REDIS_URL={url}: up", language, url=url), highlight=False)
            return
        found = EmbeddedRedis(data_dir(settings)).status()
        out.print(_describe(found, language), highlight=False)


@redis_app.command()
def stop() -> None:
    """Stop the embedded Redis, unless a running paperboy process still uses it."""
    settings = settings_or_exit(quiet=True)
    language = cli_language(settings)
    with user_errors(settings):
        server = _embedded(settings)
        found, where = server.status(), server.data_dir
        if not found.up and found.pid is None:
            text = t("the embedded Redis in {dir} is not running", language, dir=where)
            out.print(text, highlight=False)
        elif server.shutdown_if_unused():
            text = t("stopped the embedded Redis in {dir}", language, dir=where)
            out.print(text, highlight=False)
        else:
            in_use = N_("the embedded Redis in {dir} is in use: stop its paperboy first")
            fail(lazy(in_use, dir=where), language=language)


def _embedded(settings: Settings) -> EmbeddedRedis:
    from bot.services.redis_errors import masked  # noqa: PLC0415
    from bot.services.redis_server import EmbeddedRedis  # noqa: PLC0415
    from bot.stores import data_dir  # noqa: PLC0415

    if settings.redis_url:
        text = N_("REDIS_URL is set ({url}): there is no embedded Redis")
        fail(lazy(text, url=masked(settings.redis_url)), language=cli_language(settings))
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


def _describe(found: ServerStatus, language: Language) -> str:
    if not found.up:
        return t("embedded Redis: not running (data in {dir})", language, dir=found.data_dir)
    who = t("pid {pid}", language, pid=str(found.pid)) if found.pid else t("pid unknown", language)
    use = t("in use by paperboy", language) if found.in_use else t("unused", language)
    text = N_("embedded Redis: up at {url} ({process}, {use}), data in {dir}")
    return t(text, language, url=found.url, process=who, use=use, dir=found.data_dir)
