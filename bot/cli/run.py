"""`paperboy run [slack|discord|all]`: the configured adapters and the scheduler, one process.

For small installs: one process holds the Slack (Socket Mode or HTTP) and Discord connections,
runs a job worker (`bot/worker.py`: schedule checks + digests; `--no-worker` when separate
`paperboy worker` processes do that) and serves /healthz + /metrics on PAPERBOY_HEALTH_PORT —
or, with `--http`, on the Slack HTTP port next to /slack/events. The composition root
(`bot.app.serve_platform`) imports each adapter only when it runs, so the core never loads a
platform SDK it does not need.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import fail, run_async, settings_or_exit
from bot.i18n import N_, lazy

if TYPE_CHECKING:
    import asyncio

    from bot.config import Settings

# What a command needs to run is imported inside it (bot.cli.common says why).

log = logging.getLogger(__name__)


class Target(StrEnum):
    slack = "slack"
    discord = "discord"
    all = "all"


@dataclass(frozen=True)
class Options:
    http: bool
    host: str
    port: int
    worker: bool


def run(
    target: Annotated[Target, typer.Argument(help="which adapter(s) to run")] = Target.all,
    http: Annotated[
        bool, typer.Option("--http", help="Slack over HTTP (Events API) instead of Socket Mode")
    ] = False,
    host: Annotated[str, typer.Option(help="Slack --http: address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Slack --http: port")] = 3000,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="also run a job worker here (scheduler + digests); --no-worker when "
            "`paperboy worker` processes run elsewhere",
        ),
    ] = True,
) -> None:
    """Run the chat adapters (all configured ones by default) and the scheduler."""
    settings = settings_or_exit()
    platforms = choose(target, settings)
    if http and "slack" not in platforms:
        text = lazy("--http is a Slack option: run `paperboy run slack --http`")
        fail(text, language=settings.language)
    options = Options(http=http, host=host, port=port, worker=worker)
    run_async(lambda: serve_all(settings, platforms, options), settings, serving=True)


def choose(target: Target, settings: Settings) -> list[str]:
    """The platforms to run; one clear line when a requested one has no token."""
    available = settings.platforms
    if target is Target.all:
        if not available:
            none = lazy("no chat platform configured: set SLACK_BOT_TOKEN and/or DISCORD_TOKEN")
            fail(none, language=settings.language)
        return available
    if target.value not in available:
        variable = "SLACK_BOT_TOKEN" if target is Target.slack else "DISCORD_TOKEN"
        text = N_("{variable}: set it to run the {adapter} adapter")
        fail(lazy(text, variable=variable, adapter=target.value), language=settings.language)
    return [target.value]


async def serve_all(settings: Settings, platforms: list[str], options: Options) -> None:
    """Run everything until SIGTERM/SIGINT. A Redis outage ends nothing: the adapters answer
    what they can meanwhile, the worker waits for Redis and starts again (`keep_working`) and
    /healthz says 503 naming what is down. A part that ends anyway (a configuration error,
    such as a refused token or Redis password) ends the process with its error."""
    import asyncio  # noqa: PLC0415

    from bot.app import Paperboy, serve_platform  # noqa: PLC0415
    from bot.services import aio  # noqa: PLC0415
    from bot.web import Health, serve_health  # noqa: PLC0415
    from bot.worker import redis_url_of, running_worker, until_signalled  # noqa: PLC0415

    async with Paperboy.open(settings, platforms=platforms) as app, AsyncExitStack() as stack:
        health = Health(app.redis)
        tasks = [
            asyncio.create_task(
                serve_platform(
                    app, p, health, http=options.http, host=options.host, port=options.port
                ),
                name=p,
            )
            for p in platforms
        ]
        for task in tasks:
            stack.push_async_callback(_cancel, task)
        if not (options.http and "slack" in platforms):
            host, port = settings.health_host, settings.health_port
            await stack.enter_async_context(serve_health(health, host=host, port=port))
        if options.worker:
            ctx = {"settings": app.settings, "app": app, "health": health}
            url = redis_url_of(app.settings)
            tasks.append(
                await stack.enter_async_context(
                    running_worker(app.settings, url, handle_signals=False, ctx=ctx)
                )
            )
        with aio.server_gc():
            await until_signalled(*tasks)


async def _cancel(task: asyncio.Task[Any]) -> None:
    import asyncio  # noqa: PLC0415

    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
