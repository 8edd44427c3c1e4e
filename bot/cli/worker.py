"""`paperboy worker`: a job worker (arq) that checks schedules and posts due digests."""

from __future__ import annotations

from bot.cli.common import run_async, settings_or_exit


def worker() -> None:
    """Run a worker until SIGTERM: checks the schedules and posts due digests exactly once.

    Start as many as you like (on one machine or several, sharing REDIS_URL): each digest is
    one job per (channel, ISO week), and a worker killed mid-digest is resumed by another.
    /healthz and /metrics are served on PAPERBOY_HEALTH_HOST:PAPERBOY_HEALTH_PORT.
    """
    settings = settings_or_exit()

    async def main() -> None:
        from bot.worker import serve_worker  # noqa: PLC0415  (arq loads only for this command)

        await serve_worker(settings)

    run_async(main, settings, serving=True)
