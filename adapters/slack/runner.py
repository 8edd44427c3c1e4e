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
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from multidict import CIMultiDictProxy
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import SHAPE_ERRORS, ReactionVotes, SlackAdapter
from bot import logs
from bot.app import Paperboy
from bot.errors import ConfigError
from bot.web import LIMITS, Health, Limits
from bot.web import serve as serve_http

log = logging.getLogger(__name__)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
EVENTS_PATH = "/slack/events"
TIMESTAMP, SIGNATURE = "X-Slack-Request-Timestamp", "X-Slack-Signature"


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
async def http_server(
    adapter: SlackAdapter,
    health: Health | None = None,
    *,
    host: str,
    port: int,
    limits: Limits = LIMITS,
) -> AsyncIterator[int]:
    """`POST /slack/events` beside `GET /healthz` and `/metrics` (of `health`, else Redis
    only), served by `bot.web.serve` on `host:port`; yields the bound port (useful with 0)."""
    health = health or Health(adapter.paperboy.redis)
    route = web.post(EVENTS_PATH, events_handler(adapter))
    async with serve_http(health, route, host=host, port=port, limits=limits) as bound:
        yield bound


def events_handler(adapter: SlackAdapter) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Slack's requests into Bolt, once signed and parsed: a request that fails the signature
    check is answered 401 and one that does not parse 400, each with a WARNING line (at most
    one per kind and interval: `bot.logs`), so that junk from anyone never reaches Bolt's
    error path (a 500 and a traceback per request). Signed reactions take the fast path below."""
    verifier = SignatureVerifier(_signing_secret(adapter))
    quiet = logs.QuietLog(log)
    reactions = ReactionVotes(adapter)

    async def events(request: web.Request) -> web.Response:
        text = _utf8(await request.read())
        if text is None or not _signed(verifier, text, request.headers):
            quiet.warning("refused a Slack request: missing, stale or wrong signature (401)")
            return web.json_response({"error": "invalid request"}, status=401)
        reaction = _reaction_payload(text)
        answered = await _vote(adapter, reactions, reaction) if reaction is not None else None
        if answered is not None:
            return answered
        try:  # Bolt parses the body as it builds the request (bad JSON, a JSON list, a charset)
            bolt_request = await to_bolt_request(request)
        except SHAPE_ERRORS as exc:
            quiet.warning(
                "refused a signed Slack request that does not parse (400): %s", _kind(exc)
            )
            return web.Response(status=400, text="malformed request\n")
        return await to_aiohttp_response(await adapter.bolt.async_dispatch(bolt_request))

    return events


# The reaction fast path. Reactions are nearly all of Slack's traffic, and Bolt's dispatch of one
# (a request object, a context with a new AsyncWebClient, the signature checked again, the
# authorize hook, the middleware chain) cost more server CPU than the whole rest of the path
# (docs/benchmarks.md, "Reaction events"). So a signed reaction is handed to `ReactionVotes.handle`
# (the middleware's own code) here, without Bolt. It keeps Bolt's semantics, which
# tests/adapters/slack/test_reaction_fast_path.py pins: the signature is checked above with
# slack_sdk's SignatureVerifier, the one Bolt's RequestVerification uses, called as it calls it
# (`is_valid` on the body as text); authorization is Paperboy's `FixedIdentity` hook, which
# authorizes every signed request as the install's bot; the answer is what Bolt's `ack()` gives
# (200, empty), and a failure goes through the adapter's Bolt error hook (400 for a malformed
# payload, else 500, and Slack retries).
def _reaction_payload(text: str) -> dict[str, Any] | None:
    """The parsed body of a reaction event_callback, else None (Bolt takes the request)."""
    if '"reaction_' not in text:  # slash commands and other events skip the parse
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None  # Bolt parses it again and answers 400
    return body if isinstance(body, dict) else None


async def _vote(
    adapter: SlackAdapter, reactions: ReactionVotes, body: dict[str, Any]
) -> web.Response | None:
    """The answer to a reaction, or None when `body` is not one after all (Bolt takes it)."""
    try:
        handled = await reactions.handle(body)
    except Exception as exc:  # what Bolt does with a middleware's error: its error hook
        answer = await adapter._on_error(exc)
        if answer is None:
            return web.Response(status=500, text="")
        return web.Response(status=answer.status, text=str(answer.body))
    return web.Response(status=200, text="") if handled else None


def _signing_secret(adapter: SlackAdapter) -> str:
    secret = adapter.paperboy.settings.slack_signing_secret
    if secret is None:
        raise ConfigError("SLACK_SIGNING_SECRET: required to verify Slack's HTTP requests")
    return secret.get_secret_value()


def _utf8(body: bytes) -> str | None:
    """The body as text (what Slack signs, and what Bolt verifies); None when it is not
    UTF-8, which no signature then covers."""
    try:
        return body.decode()
    except UnicodeDecodeError:
        return None


def _signed(verifier: SignatureVerifier, body: str, headers: CIMultiDictProxy[str]) -> bool:
    """Slack's signature check, called as Bolt's `RequestVerification` calls it (slack_sdk's
    `is_valid` with the body as text and the two headers; `is_valid_request` would first copy
    every header into a lower-cased dict), where a timestamp that is not a number makes the
    request unsigned rather than raising. Header names are case-insensitive."""
    try:
        return verifier.is_valid(body, headers.get(TIMESTAMP), headers.get(SIGNATURE))
    except ValueError:
        return False


def _kind(exc: Exception) -> str:
    return type(exc).__name__


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
