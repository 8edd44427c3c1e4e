"""`paperboy run discord`: log in with DISCORD_TOKEN and serve until cancelled.

DISCORD_API_URL (the REST base including its version, e.g. `https://discord.com/api/v10`)
points discord.py at another Discord API — a proxy, or the loopback fake the tests use; the
gateway URL is then the one that API names in `GET /gateway/bot`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import OnReady, PaperboyClient
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.app import Paperboy

log = logging.getLogger(__name__)


async def serve(
    app: Paperboy,
    *,
    token: str | None = None,
    api_url: str | None = None,
    guild_id: int | None = None,
    on_ready: OnReady | None = None,
    **client_options: Any,
) -> None:
    """Run the Discord bot for `app` until cancelled, then close the connection.

    Options default to the app's settings (DISCORD_TOKEN, DISCORD_API_URL, DISCORD_GUILD_ID).
    `on_ready(chat)` is awaited with the Discord ChatPort after every (re)connection, e.g. to
    start posting digests; `client_options` go to `discord.Client`.
    """
    settings = app.settings
    if token is None and settings.discord_token is not None:
        token = settings.discord_token.get_secret_value()
    if not token:
        raise ConfigError("DISCORD_TOKEN: set it to your bot's token (Developer Portal → Bot)")
    client = PaperboyClient(
        app, guild_id=guild_id or settings.discord_guild_id, on_ready=on_ready, **client_options
    )
    await run_client(client, token, api_url=api_url or settings.discord_api_url)


async def run_client(client: PaperboyClient, token: str, *, api_url: str | None = None) -> None:
    """Log in (which syncs the commands), connect and serve until cancelled; always close."""
    with discord_api(api_url):
        async with client:
            await client.login(token)
            if api_url:
                await follow_gateway(client)
            await client.connect()


class _Endpoints:
    """Who is using a non-default Discord API in this process, and the defaults to restore."""

    users = 0
    saved: tuple[str, yarl.URL] = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


@contextmanager
def discord_api(api_url: str | None) -> Iterator[None]:
    """Point discord.py's REST calls at `api_url` while inside, then restore the defaults.

    discord.py offers no per-client hook for this: every REST call — including interaction
    callbacks and webhook follow-ups, which bypass the client's HTTPClient — builds its URL from
    the class attribute `discord.http.Route.BASE`, and a plain Client opens its first gateway
    connection at the class attribute `DiscordWebSocket.DEFAULT_GATEWAY` without asking the API.
    Both are therefore process-wide: they are set here and in `follow_gateway()` only. Nested
    or overlapping uses (the bot and a worker's ChatPort in one process) share them, and the
    defaults come back when the last one exits. One process talks to one Discord API at a time.
    """
    if not api_url:
        yield
        return
    if _Endpoints.users == 0:
        _Endpoints.saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    elif api_url.rstrip("/") != Route.BASE:
        raise RuntimeError(f"discord.py already talks to {Route.BASE} in this process")
    _Endpoints.users += 1
    Route.BASE = api_url.rstrip("/")
    try:
        yield
    finally:
        _Endpoints.users -= 1
        if _Endpoints.users == 0:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = _Endpoints.saved


async def follow_gateway(client: PaperboyClient) -> None:
    """Connect to the gateway the configured API names (`GET /gateway/bot`), as Discord intends.

    Only called inside `discord_api()`, which restores the default gateway afterwards.
    """
    _shards, url, _limits = await client.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("discord: REST %s, gateway %s", Route.BASE, url)
