"""`paperboy run slack`: serve the Slack adapter until cancelled, then clean up.

Two transports, one Bolt app:
- Socket Mode (default; needs SLACK_APP_TOKEN, `xapp-…`): Paperboy dials out to Slack over a
  WebSocket, so no public URL, TLS or open port is needed.
- HTTP (`--http`): `POST /slack/events` takes slash commands, events and interactivity (one
  Request URL for all three in the app's settings) and `GET /healthz` answers 200 while Redis
  answers. It binds 127.0.0.1 unless told otherwise: put a TLS-terminating reverse proxy in
  front, or pass `host="0.0.0.0"` inside a container. Needs SLACK_SIGNING_SECRET.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from redis.exceptions import RedisError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack.app import SlackAdapter
from bot.app import Paperboy
from bot.errors import ConfigError

log = logging.getLogger(__name__)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack's payloads are a few KB; refuse anything absurd
# Connections waiting to be accepted. aiohttp's default (128) overflows when a burst opens more
# connections at once (200 concurrent `/paper`s in bench 1): the kernel drops their SYNs and
# TCP resends them after 1 s, which showed as 1 s acks. The kernel caps it at somaxconn.
BACKLOG = 1024


async def serve(
    app: Paperboy,
    *,
    http: bool = False,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    interval: float = 1.0,
) -> None:
    """Run Paperboy on Slack until cancelled: Socket Mode, or HTTP on `host:port` if `http`.

    `interval` is the pause between two posts in one channel (Slack allows about one message
    per second per channel). Raises ConfigError, naming the variable, when a token is missing.
    """
    if not http and app.settings.slack_app_token is None:
        raise ConfigError("SLACK_APP_TOKEN: set it (xapp-…) for Socket Mode, or use --http")
    async with SlackAdapter.open(app, http=http, interval=interval) as adapter:
        if http:
            async with http_server(adapter, host=host, port=port) as bound:
                log.info("Slack HTTP endpoint on http://%s:%d%s", host, bound, EVENTS_PATH)
                await _until_cancelled()
        else:
            await _socket_mode(adapter)


@asynccontextmanager
async def http_server(adapter: SlackAdapter, *, host: str, port: int) -> AsyncIterator[int]:
    """`POST /slack/events` and `GET /healthz` served on `host:port`; yields the bound port
    (useful with port 0)."""
    runner = web.AppRunner(web_application(adapter), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=BACKLOG)
        await site.start()
        server = site._server  # aiohttp keeps the bound sockets only here
        sockets = getattr(server, "sockets", None) or ()
        yield int(sockets[0].getsockname()[1]) if sockets else port
    finally:
        await runner.cleanup()


def web_application(adapter: SlackAdapter) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await adapter.bolt.async_dispatch(bolt_request))

    async def health(_: web.Request) -> web.Response:
        try:
            await adapter.paperboy.redis.ping()
        except (RedisError, OSError):
            return web.json_response({"ok": False, "redis": "unreachable"}, status=503)
        return web.json_response({"ok": True})

    application = web.Application(client_max_size=MAX_BODY)
    application.router.add_post(EVENTS_PATH, events)
    application.router.add_get(HEALTH_PATH, health)
    return application


async def _socket_mode(adapter: SlackAdapter) -> None:
    token = adapter.paperboy.settings.slack_app_token
    if token is None:  # checked by serve(); keeps the type narrow
        raise ConfigError("SLACK_APP_TOKEN: required for Socket Mode")
    handler = AsyncSocketModeHandler(adapter.bolt, token.get_secret_value())
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("connected to Slack in Socket Mode")
    try:
        await _until_cancelled()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def _until_cancelled() -> None:
    await asyncio.Event().wait()
