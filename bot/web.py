"""`GET /healthz` and `GET /metrics` for every long-running process (`paperboy run`, `worker`).

`/healthz` answers 200 `{"ok": true, ...}` when Redis answers a PING and every part the process
runs (each adapter, the chat ports, the worker) reports itself up, else 503 with the failing
part named — what a container health check or a load balancer wants. `/metrics` is the
Prometheus text of `bot.metrics`.

Parts report their own state (`Health.set`): Paperboy cannot look inside a platform SDK's
connection, so an adapter is "up" from the moment its runner says so until its task ends.
With `paperboy run slack --http` both routes are served by the Slack adapter's own HTTP server
(`mount()`), whose Redis-only `/healthz` they replace, rather than on a second port.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import metrics

log = logging.getLogger(__name__)
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
PING_TIMEOUT = 2.0


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
        healthy = redis_ok and all(state.ok for state in parts.values())
        body: dict[str, Any] = {
            "ok": healthy,
            "redis": "ok" if redis_ok else "unreachable",
            **{name: state.detail for name, state in parts.items()},
        }
        return healthy, body


async def _healthz(health: Health) -> web.Response:
    healthy, body = await health.report()
    return web.json_response(body, status=200 if healthy else 503)


def _metrics_response() -> web.Response:
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = metrics.CONTENT_TYPE
    return response


def application(health: Health) -> web.Application:
    """A web app serving only /healthz and /metrics."""

    async def healthz(_: web.Request) -> web.Response:
        return await _healthz(health)

    async def metrics_route(_: web.Request) -> web.Response:
        return _metrics_response()

    app = web.Application()
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(METRICS_PATH, metrics_route)
    return app


def mount(app: web.Application, health: Health) -> None:
    """Serve /healthz (this module's, which replaces any the app has) and /metrics on `app`.

    Used on the Slack adapter's HTTP server (`adapters/slack/runner.web_application`), which
    already answers a Redis-only /healthz: a middleware answers both paths first, so there is
    one health endpoint per process. Call before the app starts.
    """

    @web.middleware
    async def observe(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "GET" and request.path == HEALTH_PATH:
            return await _healthz(health)
        if request.method == "GET" and request.path == METRICS_PATH:
            return _metrics_response()
        response: web.StreamResponse = await handler(request)
        return response

    app.middlewares.append(observe)


@asynccontextmanager
async def serve(app: web.Application, *, host: str, port: int) -> AsyncIterator[int]:
    """Serve `app` on host:port until exit; yields the bound port (useful with port 0)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        yield await _start(runner, host, port)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_health(health: Health, *, host: str, port: int) -> AsyncIterator[int | None]:
    """The /healthz + /metrics server; a port already in use is logged, not fatal (None)."""
    runner = web.AppRunner(application(health), access_log=None)
    await runner.setup()
    try:
        try:
            bound: int | None = await _start(runner, host, port)
            log.info("health and metrics on http://%s:%d%s", host, bound, HEALTH_PATH)
        except OSError as exc:
            log.warning("health server not started on %s:%d: %s", host, port, exc.strerror)
            bound = None
        yield bound
    finally:
        await runner.cleanup()


async def _start(runner: web.AppRunner, host: str, port: int) -> int:
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or ()  # aiohttp keeps them only here
    return int(sockets[0].getsockname()[1]) if sockets else port
