"""The one HTTP server of every long-running process, and its `/healthz` and `/metrics`.

`serve()` is how Paperboy listens on HTTP: `paperboy run slack --http` (the Slack events route
beside /healthz and /metrics), the health server of `run`/`worker`, and the tests and benchmarks
all go through it, so every setting of `Limits` (listen backlog, read timeouts, body size) is the
one that ships and the one that is measured.

`/healthz` answers 200 `{"ok": true, ...}` when Redis answers a PING and every part the process
runs (each adapter, the chat ports, the worker) reports itself up, else 503 with the failing
parts listed in `degraded` (e.g. `["redis", "worker"]` during a Redis outage) — what a container
health check or a load balancer wants. `/metrics` is the
Prometheus text of `bot.metrics`.

Parts report their own state (`Health.set`): Paperboy cannot look inside a platform SDK's
connection, so an adapter is "up" from the moment its runner says so until its task ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import logs, metrics

log = logging.getLogger(__name__)
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
PING_TIMEOUT = 2.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Limits:
    """What the server grants a client. The defaults ship; tests shorten the timeouts.

    - `backlog`: connections waiting to be accepted. aiohttp's default (128) overflows when a
      burst opens more at once (200 concurrent `/paper`s in bench 1): the kernel drops their
      SYNs and TCP resends them after 1 s, which showed as 1 s acks. The kernel caps it at
      somaxconn.
    - `header_timeout`: a connection must deliver a request's headers this soon after it opens
      or after its previous answer, else it is closed (aiohttp's keep-alive timer, which also
      closes idle keep-alive connections). Slow-loris clients holding sockets are cut off here.
    - `body_timeout`: the whole body must arrive this soon after the headers (answered 408).
    - `max_body`: Slack's payloads are a few KB; anything over this is answered 413.
    - `linger`: after an early answer (408, 413), how long the rest of the body is still read
      so that the client sees the answer; short, or a slow client would hold the socket again.
    """

    backlog: int = 1024
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_body: int = 1024 * 1024
    linger: float = 1.0


LIMITS = Limits()


@dataclass(frozen=True)
class PartState:
    ok: bool
    detail: str


class Health:
    """The process's health: Redis (checked on each request) and the parts it runs."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._parts: dict[str, PartState] = {}

    def set(self, part: str, *, ok: bool, detail: str) -> None:
        """Record `part`'s state (e.g. "discord", ok=True, detail="connected")."""
        self._parts[part] = PartState(ok, detail)

    def parts(self) -> dict[str, PartState]:
        return dict(self._parts)

    async def redis_ok(self) -> bool:
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                return bool(await self._redis.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body of /healthz)."""
        redis_ok = await self.redis_ok()
        parts = self.parts()
        down = ([] if redis_ok else ["redis"]) + [n for n, s in parts.items() if not s.ok]
        body: dict[str, Any] = {
            "ok": not down,
            "redis": "ok" if redis_ok else "unreachable",
            **{name: state.detail for name, state in parts.items()},
        }
        if down:  # what a dashboard or an alert names
            body["degraded"] = down
        return not down, body


async def _healthz(health: Health) -> web.Response:
    healthy, body = await health.report()
    return web.json_response(body, status=200 if healthy else 503)


def _metrics_response() -> web.Response:
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = metrics.CONTENT_TYPE
    return response


def application(
    health: Health,
    *routes: web.RouteDef,
    limits: Limits = LIMITS,
    quiet: logs.QuietLog | None = None,
) -> web.Application:
    """/healthz, /metrics and `routes`, with the body limits of `limits`; refusals are logged
    to `quiet`."""

    async def healthz(_: web.Request) -> web.Response:
        return await _healthz(health)

    async def metrics_route(_: web.Request) -> web.Response:
        return _metrics_response()

    reader = _body_within(limits.body_timeout, quiet or logs.QuietLog(log))
    app = web.Application(client_max_size=limits.max_body, middlewares=[reader])
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(METRICS_PATH, metrics_route)
    app.add_routes(routes)
    return app


def _body_within(seconds: float, quiet: logs.QuietLog) -> Any:
    """Middleware: read the whole body (within `seconds`, and `client_max_size`) before the
    handler runs, which then finds it read. aiohttp has no body timeout of its own, and a body
    that breaks off or is not valid HTTP would otherwise be a 500 with a traceback."""

    @web.middleware
    async def read_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            async with asyncio.timeout(seconds):
                await request.read()
        except TimeoutError:
            quiet.warning("a request body took over %g s: answered 408, connection closed", seconds)
            return _closing(web.Response(status=408, text="request body too slow\n"))
        except web.HTTPRequestEntityTooLarge:
            quiet.warning("a request body was over %d bytes: answered 413", request.client_max_size)
            raise
        except (web.RequestPayloadError, HttpProcessingError, ConnectionError) as exc:
            quiet.warning("a request body could not be read (%s): answered 400", _name(exc))
            return _closing(web.Response(status=400, text="bad request body\n"))
        return await handler(request)

    return read_body


def _closing(response: web.Response) -> web.Response:
    response.force_close()
    return response


def _name(exc: BaseException) -> str:
    return type(exc).__name__


class _ServerLog(logs.QuietLog):
    """aiohttp's server logger, throttled. A request that is not valid HTTP (its parser's
    errors, which anyone can send) is one WARNING line without a traceback; aiohttp logs each
    as an error with one, and answers 400 itself."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if isinstance(kwargs.get("exc_info"), HttpProcessingError):
            error = kwargs.pop("exc_info")
            level, msg, args = (
                logging.WARNING,
                "refused a request: not valid HTTP (%s)",
                (_name(error),),
            )
        super().log(level, msg, *args, **kwargs)


@asynccontextmanager
async def serve(
    health: Health,
    *routes: web.RouteDef,
    host: str,
    port: int,
    limits: Limits = LIMITS,
) -> AsyncIterator[int]:
    """Serve /healthz, /metrics and `routes` on host:port until exit, within `limits`; yields
    the bound port (useful with port 0). OSError when the port cannot be bound."""
    runner = await _runner(health, routes, limits)
    try:
        yield await _start(runner, host, port, limits)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_health(health: Health, *, host: str, port: int) -> AsyncIterator[int | None]:
    """`serve()` with only /healthz and /metrics; a port already in use is logged, not fatal
    (None)."""
    runner = await _runner(health, (), LIMITS)
    try:
        try:
            bound: int | None = await _start(runner, host, port, LIMITS)
            log.info("health and metrics on http://%s:%d%s", host, bound, HEALTH_PATH)
        except OSError as exc:
            log.warning("health server not started on %s:%d: %s", host, port, exc.strerror)
            bound = None
        yield bound
    finally:
        await runner.cleanup()


async def _runner(
    health: Health, routes: tuple[web.RouteDef, ...], limits: Limits
) -> web.AppRunner:
    """The app in an aiohttp runner with `limits`; every refusal it logs is throttled, per
    server (junk from anyone must not flood the log)."""
    runner = web.AppRunner(
        application(health, *routes, limits=limits, quiet=logs.QuietLog(log)),
        access_log=None,
        logger=_ServerLog(logging.getLogger("aiohttp.server")),
        keepalive_timeout=limits.header_timeout,
        lingering_time=limits.linger,
    )
    await runner.setup()
    return runner


async def _start(runner: web.AppRunner, host: str, port: int, limits: Limits) -> int:
    site = web.TCPSite(runner, host, port, backlog=limits.backlog)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or ()  # aiohttp keeps them only here
    return int(sockets[0].getsockname()[1]) if sockets else port
