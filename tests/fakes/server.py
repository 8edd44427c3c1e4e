"""A loopback HTTP server base: real HTTP on 127.0.0.1, fault injection and request counting.

Each fake (arXiv, Hugging Face, OpenAI, Slack, Discord...) subclasses `LoopbackServer`, adds
its routes in `routes()`, and runs in a thread of its own with its own event loop, so that sync
code (the CLI, subprocesses) and async tests can both reach it, and a slow answer never blocks
the test's loop.

Faults are queued with `inject()` and consumed one per request (optionally only for requests
whose path contains `path`): an HTTP status with headers (429 + Retry-After, 500...), a delay
before the real answer, or garbage bytes instead of it. `delay` slows every answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0
    garbage: bool = False
    path: str | None = None

    @classmethod
    def too_many(cls, retry_after: float = 1, path: str | None = None) -> Fault:
        return cls(status=429, headers={"Retry-After": f"{retry_after:g}"}, path=path)

    @classmethod
    def error(cls, status: int = 500, path: str | None = None) -> Fault:
        return cls(status=status, body='{"error": "injected"}', path=path)

    @classmethod
    def slow(cls, seconds: float, path: str | None = None) -> Fault:
        return cls(delay=seconds, path=path)

    @classmethod
    def junk(cls, path: str | None = None) -> Fault:
        return cls(garbage=True, path=path)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        import json  # noqa: PLC0415

        return json.loads(self.body)


class LoopbackServer:
    """Base class: subclasses implement `routes(app)`; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.delay = 0.0
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- what subclasses provide -------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    # -- test API ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def calls(self, path_part: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if path_part in r.path]

    def count(self, path_part: str = "") -> int:
        return len(self.calls(path_part))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()
        self.delay = 0.0

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Self:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._startup())
        ready.set()
        loop.run_forever()
        loop.close()

    async def _startup(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        sockets = site._server.sockets if site._server else ()  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or fault.path in path:
                    self._faults.remove(fault)
                    return fault
        return None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        with self._lock:
            self.requests.append(
                Recorded(
                    request.method,
                    request.path,
                    dict(request.query),
                    dict(request.headers),
                    body,
                    asyncio.get_running_loop().time(),
                )
            )
        fault = self._next_fault(request.path)
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.garbage:
                return web.Response(body=b"\x00<<not json or xml>>\xff{", content_type="text/plain")
            if fault.status is not None:
                return web.Response(
                    status=fault.status,
                    text=fault.body,
                    headers=fault.headers,
                    content_type="application/json",
                )
        return await handler(request)
