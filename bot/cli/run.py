"""`paperboy run [slack|discord|all]`: the configured adapters and the scheduler, one process.

For small installs: one process holds the Slack (Socket Mode or HTTP) and Discord connections,
runs a job worker (`bot/worker.py`: schedule checks + digests; `--no-worker` when separate
`paperboy worker` processes do that) and serves /healthz + /metrics on PAPERBOY_HEALTH_PORT —
or, with `--http`, on the Slack HTTP port next to /slack/events. Each adapter is imported only
when it runs, so the core never loads a platform SDK it does not need.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.app import Paperboy
from bot.cli.common import fail, run_async, settings_or_exit
from bot.config import Settings
from bot.services import aio
from bot.web import Health, serve_health

if TYPE_CHECKING:
    from adapters.discord.chat import DiscordChat

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
        fail("--http is a Slack option: run `paperboy run slack --http`")
    options = Options(http=http, host=host, port=port, worker=worker)
    run_async(lambda: serve_all(settings, platforms, options), settings)


def choose(target: Target, settings: Settings) -> list[str]:
    """The platforms to run; one clear line when a requested one has no token."""
    from adapters.ports import configured  # noqa: PLC0415

    available = configured(settings)
    if target is Target.all:
        if not available:
            fail("no chat platform configured: set SLACK_BOT_TOKEN and/or DISCORD_TOKEN")
        return available
    if target.value not in available:
        variable = "SLACK_BOT_TOKEN" if target is Target.slack else "DISCORD_TOKEN"
        fail(f"{variable}: set it to run the {target.value} adapter")
    return [target.value]


async def serve_all(settings: Settings, platforms: list[str], options: Options) -> None:
    """Run everything until SIGTERM/SIGINT or until a part fails (its error is raised)."""
    from bot.worker import redis_url_of, running_worker, until_signalled  # noqa: PLC0415

    async with Paperboy.open(settings) as app, AsyncExitStack() as stack:
        health = Health(app.redis)
        tasks = [asyncio.create_task(_adapter(app, p, health, options), name=p) for p in platforms]
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
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _adapter(app: Paperboy, platform: str, health: Health, options: Options) -> None:
    """Serve one adapter until cancelled, keeping its /healthz state."""
    health.set(platform, ok=False, detail="starting")
    try:
        if platform == "slack":
            await _slack(app, health, options)
        else:
            await _discord(app, health)
    except Exception as exc:
        health.set(platform, ok=False, detail=f"stopped: {type(exc).__name__}")
        raise
    health.set(platform, ok=False, detail="stopped")


async def _slack(app: Paperboy, health: Health, options: Options) -> None:
    interval = app.settings.slack_post_interval
    if not options.http:
        from adapters.slack.runner import serve as serve_slack  # noqa: PLC0415

        health.set("slack", ok=True, detail="running (Socket Mode)")
        await serve_slack(app, http=False, interval=interval)
        return
    from adapters.slack.app import SlackAdapter  # noqa: PLC0415
    from adapters.slack.runner import EVENTS_PATH, http_server  # noqa: PLC0415

    async with (
        SlackAdapter.open(app, http=True, interval=interval) as adapter,
        # this process's /healthz and /metrics, on the Slack port
        http_server(adapter, health, host=options.host, port=options.port) as bound,
    ):
        log.info("Slack HTTP endpoint on http://%s:%d%s", options.host, bound, EVENTS_PATH)
        health.set("slack", ok=True, detail="running (HTTP)")
        await asyncio.Event().wait()


async def _discord(app: Paperboy, health: Health) -> None:
    from adapters.discord.runner import serve as serve_discord  # noqa: PLC0415

    async def ready(_chat: DiscordChat) -> None:
        health.set("discord", ok=True, detail="connected")

    health.set("discord", ok=False, detail="connecting")
    await serve_discord(app, on_ready=ready)
