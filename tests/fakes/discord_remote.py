"""The loopback Discord in a process of its own, driven over HTTP (for benchmarks).

In-process, the fake's own work (JSON, zlib, aiohttp) shares the interpreter with the bot it
measures; in a separate process it does not, as with the real Discord. Timestamps are the fake's
`loop.time()` (CLOCK_MONOTONIC, one clock for every process on Linux).

    python -m tests.fakes.discord_remote     # prints {"port": N}, serves until stdin closes

Control routes (only in this mode), beside the real API:
    POST /_fake/slash   {"queries": [...]}                   -> {"ids": [...]}
    POST /_fake/react   {"items": [[message, emoji, user, added], ...]}
    GET  /_fake/count?method=POST&path=/callback             -> {"count": n}
    GET  /_fake/timings -> {"dispatched": {id: t}, "callbacks": {id: t}, "followups": [t, ...]}
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any, Self

import aiohttp
from aiohttp import web

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_wire import APP_ID, json_response


class ControlledDiscord(FakeDiscord):
    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_post("/_fake/slash", self._slash)
        app.router.add_post("/_fake/react", self._react)
        app.router.add_get("/_fake/count", self._count)
        app.router.add_get("/_fake/timings", self._timings)

    async def _slash(self, request: web.Request) -> web.Response:
        batch = [self.interaction(q) for q in (await request.json())["queries"]]
        await self._broadcast_all([("INTERACTION_CREATE", data) for data in batch])
        return json_response({"ids": [data["id"] for data in batch]})

    async def _react(self, request: web.Request) -> web.Response:
        items = (await request.json())["items"]
        dispatches = [self.reaction(m, e, user_id=u, added=a) for m, e, u, a in items]
        await self._broadcast_all(dispatches)
        return json_response({"sent": len(dispatches)})

    async def _count(self, request: web.Request) -> web.Response:
        method, path = request.query["method"], request.query["path"]
        count = sum(1 for c in self.calls(path) if c.method == method)
        return json_response({"count": count})

    async def _timings(self, request: web.Request) -> web.Response:
        callbacks = {c.path.split("/")[4]: c.at for c in self.calls("/callback")}
        posts = [c for c in self.calls(f"/webhooks/{APP_ID}/") if c.method == "POST"]
        answered = [c.at for c in posts if c.json().get("embeds")]
        return json_response(
            {"dispatched": self.dispatched_at, "callbacks": callbacks, "followups": answered}
        )


class RemoteDiscord:
    """Starts `python -m tests.fakes.discord_remote` and drives it over HTTP."""

    def __init__(self, *, wait: float = 120.0) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.port = 0
        self.wait = wait  # seconds `wait_for()` waits at most

    def __enter__(self) -> Self:
        command = [sys.executable, "-m", "tests.fakes.discord_remote"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        self.port = json.loads(self._process.stdout.readline())["port"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()
            self._process.wait(10)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        url = f"http://127.0.0.1:{self.port}/_fake/{path}"
        async with aiohttp.ClientSession() as http, http.request(method, url, **options) as r:
            return await r.json()

    async def slash_many(self, queries: list[str]) -> list[str]:
        return list((await self._call("POST", "slash", json={"queries": queries}))["ids"])

    async def react_many(self, items: list[tuple[str, str, str, bool]]) -> None:
        await self._call("POST", "react", json={"items": items})

    async def count(self, method: str, path: str) -> int:
        return int(
            (await self._call("GET", "count", params={"method": method, "path": path}))["count"]
        )

    async def wait_for(self, method: str, path: str, count: int) -> None:
        """Until `count` calls of `method` to a path containing `path` were made."""
        async with asyncio.timeout(self.wait):
            while await self.count(method, path) < count:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.02)

    async def timings(self) -> dict[str, Any]:
        return dict(await self._call("GET", "timings"))


def main() -> None:
    with ControlledDiscord() as fake:
        print(json.dumps({"port": fake.port}), flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin


if __name__ == "__main__":
    main()
