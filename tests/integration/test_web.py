"""`GET /healthz` and `GET /metrics` over real HTTP on 127.0.0.1, with a real Redis."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot.commands import CommandContext
from bot.domain import ChannelRef
from bot.web import Health, serve, serve_health
from tests.harness import paperboy_app

CTX = CommandContext(
    platform="slack", user="U1", channel=ChannelRef(platform="slack", channel_id="C1")
)


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, answer.headers["Content-Type"], await answer.text()


async def test_healthz_reports_redis_and_every_part(redis: Redis) -> None:
    health = Health(redis)
    async with serve_health(health, host="127.0.0.1", port=0) as port:
        url = f"http://127.0.0.1:{port}/healthz"
        assert (await get(url))[0] == 200
        health.set("discord", ok=False, detail="connecting")
        status, _, body = await get(url)
        assert status == 503
        assert '"discord": "connecting"' in body
        health.set("discord", ok=True, detail="connected")
        status, _, body = await get(url)
        assert status == 200
        assert '"ok": true' in body
        assert '"redis": "ok"' in body


async def test_unreachable_redis_is_unhealthy() -> None:
    nowhere = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        async with serve_health(Health(nowhere), host="127.0.0.1", port=0) as port:
            status, _, body = await get(f"http://127.0.0.1:{port}/healthz")
    finally:
        await nowhere.aclose()
    assert status == 503
    assert '"redis": "unreachable"' in body


async def test_metrics_count_commands_in_prometheus_format(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        await h.app.command(CTX, "help")
        await h.app.command(CTX, "top nonsense")
        async with serve_health(Health(h.app.redis), host="127.0.0.1", port=0) as port:
            status, kind, body = await get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    assert kind.startswith("text/plain")
    assert "# TYPE paperboy_commands_total counter" in body
    assert 'paperboy_commands_total{command="help",outcome="ok"}' in body
    assert 'paperboy_commands_total{command="top",outcome="error"}' in body
    for name in (
        "paperboy_llm_calls_total",
        "paperboy_digests_posted_total",
        "paperboy_job_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in body


async def test_routes_are_served_beside_the_one_healthz(redis: Redis) -> None:
    async def events(_: web.Request) -> web.Response:
        return web.Response(text="events")

    health = Health(redis)
    health.set("slack", ok=True, detail="running (HTTP)")
    async with serve(health, web.post("/slack/events", events), host="127.0.0.1", port=0) as port:
        _, _, body = await get(f"http://127.0.0.1:{port}/healthz")
        assert '"slack": "running (HTTP)"' in body
        assert "paperboy_votes" in (await get(f"http://127.0.0.1:{port}/metrics"))[2]
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/slack/events") as answer,
        ):
            assert await answer.text() == "events"


async def test_a_busy_port_is_logged_not_fatal(redis: Redis) -> None:
    health = Health(redis)
    async with (
        serve_health(health, host="127.0.0.1", port=0) as port,
        serve_health(health, host="127.0.0.1", port=port or 0) as second,
    ):
        assert second is None
