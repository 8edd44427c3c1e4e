"""The job engine (arq over Redis): check the schedules, post due digests exactly once.

- `check_schedules`, an arq cron job every PAPERBOY_SCHEDULER_EVERY seconds (arq's unique cron
  ids: one worker runs each tick), lists the due digests (`Scheduler.due`) and enqueues one
  `post_digest` job each with `_job_id` = `digest:{platform}:{channel}:{ISO week}`. However many
  replicas enqueue it, arq holds one job per id.
- `post_digest` builds and posts through `DigestPoster` (lease + per-message ledger), so a retry
  or a second worker never posts a message twice, and a killed worker's job — rerun by arq once
  its in-progress mark expires (PAPERBOY_JOB_TIMEOUT + 10 s) — resumes after the last posted
  message. Results are not kept, so a job that ended without posting (busy, failed) is enqueued
  again at a later check; the ledger's done flag is what ends it. A failure backs off
  (`Scheduler.failed`) and is retried for the rest of the week (saying it is late once past
  PAPERBOY_LATE_AFTER).

Every worker of a deployment needs the same platform tokens (one `.env`, as docker-compose.yml
does): a check only enqueues digests for the platforms its worker can post to.

`startup` opens the Paperboy app (unless `paperboy run` put its own in ctx), the chat ports of
the configured platforms and the /healthz + /metrics server; `shutdown` closes them.
`paperboy worker` runs this (`serve_worker`); `arq bot.worker.WorkerSettings` works too, with
arq's default Redis (localhost:6379) and the rest of the settings from the environment.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.worker import Function, Worker, func

from bot import metrics
from bot.app import Paperboy, data_dir
from bot.config import Settings, load_settings
from bot.domain import ChannelRef
from bot.ports import ChatPort
from bot.services import aio
from bot.services.poster import Delivery, DigestPoster, Outcome
from bot.services.redis_errors import checked_url
from bot.services.redis_server import EmbeddedRedis
from bot.services.schedule import (
    DueDigest,
    Schedule,
    Scheduler,
    clock_from,
    digest_request,
)
from bot.web import Health, serve_health

log = logging.getLogger(__name__)
QUEUE = "pb:queue"
DIGEST_JOB = "post_digest"
CHECK_JOB = "check_schedules"
MAX_TRIES = 5
Ctx = dict[str, Any]


@dataclass
class Jobs:
    """What the jobs of one worker share, built once in `startup`."""

    app: Paperboy
    poster: DigestPoster
    scheduler: Scheduler
    chats: dict[str, ChatPort]


def scheduler_for(app: Paperboy, poster: DigestPoster) -> Scheduler:
    settings = app.settings
    return Scheduler(
        app.redis,
        app.channels,
        poster,
        default=Schedule.of(settings.schedule, settings.timezone),
        late_after=timedelta(seconds=settings.late_after),
        clock=clock_from(settings.test_now),
    )


async def deliver_digest(
    app: Paperboy, poster: DigestPoster, chat: ChatPort, due: DueDigest
) -> Delivery:
    """Build (once) and post `due` through the exactly-once ledger of its (channel, week)."""
    config = await app.channels.config(due.channel)
    request = digest_request(
        due.channel,
        config,
        due.covers,
        language=app.settings.language,
        size=app.settings.digest_size,
    )
    return await poster.deliver(
        chat, due.channel, due.week, lambda: app.digests.build(request), late=due.late
    )


# -- jobs ------------------------------------------------------------------------------------------
async def check_schedules(ctx: Ctx) -> int:
    """Enqueue every due digest (deduplicated by job id); the number found due."""
    jobs: Jobs = ctx["jobs"]
    pool: ArqRedis = ctx["redis"]
    due = await jobs.scheduler.due(frozenset(jobs.chats))
    for digest in due:
        job = await pool.enqueue_job(
            DIGEST_JOB,
            digest.channel.key,
            digest.week,
            digest.late,
            digest.scheduled_for.isoformat(),
            _job_id=digest.job_id,
            _queue_name=QUEUE,
        )
        await jobs.scheduler.attempted(digest)
        if job is not None:
            log.info("digest due: %s%s", digest.job_id, " (late)" if digest.late else "")
    return len(due)


async def post_digest(ctx: Ctx, channel_key: str, week: str, late: bool, scheduled_for: str) -> str:
    """Post one channel's digest of one week; the delivery's outcome."""
    jobs: Jobs = ctx["jobs"]
    due = DueDigest(
        ChannelRef.parse(channel_key), week, datetime.fromisoformat(scheduled_for), late
    )
    chat = jobs.chats.get(due.channel.platform)
    if chat is None:
        log.warning("cannot post %s: %s is not configured here", due.job_id, due.channel.platform)
        return "no-adapter"
    try:
        delivery = await deliver_digest(jobs.app, jobs.poster, chat, due)
    except Exception:
        wait = await jobs.scheduler.failed(due)
        log.exception("digest %s failed; next attempt in %d s", due.job_id, wait)
        raise
    if delivery.outcome is Outcome.POSTED:
        delay = (jobs.scheduler.clock() - due.scheduled_for).total_seconds()
        metrics.DIGEST_DELAY_SECONDS.observe(max(0.0, delay))
        log.info(
            "digest %s posted: %d message(s), %.1f s after its scheduled time",
            due.job_id,
            delivery.posted,
            delay,
        )
    return delivery.outcome.value


def timed(name: str, job: Any) -> Any:
    """`job` with its queue wait and run time observed in the metrics."""

    async def run(ctx: Ctx, *args: Any) -> Any:
        enqueued: datetime | None = ctx.get("enqueue_time")
        if enqueued is not None:
            waited = (datetime.now(UTC) - enqueued).total_seconds()
            metrics.JOB_QUEUED_SECONDS.labels(job=name).observe(max(0.0, waited))
        started = time.perf_counter()
        try:
            return await job(ctx, *args)
        finally:
            metrics.JOB_SECONDS.labels(job=name).observe(time.perf_counter() - started)

    run.__qualname__ = run.__name__ = name
    return run


# -- lifespan --------------------------------------------------------------------------------------
async def startup(ctx: Ctx) -> None:
    stack = AsyncExitStack()
    ctx["stack"] = stack
    try:
        ctx["jobs"] = await _open(ctx, stack)
    except BaseException:
        await stack.aclose()
        raise


async def shutdown(ctx: Ctx) -> None:
    stack: AsyncExitStack | None = ctx.pop("stack", None)
    if stack is not None:
        await stack.aclose()


async def _open(ctx: Ctx, stack: AsyncExitStack) -> Jobs:
    from adapters.ports import open_chat_ports  # noqa: PLC0415  (platform SDKs load lazily)

    app: Paperboy | None = ctx.get("app")
    if app is None:
        settings = ctx.get("settings") or load_settings()
        app = await stack.enter_async_context(Paperboy.open(settings))
    health: Health | None = ctx.get("health")
    if health is None:
        health = Health(app.redis)
        host, port = app.settings.health_host, app.settings.health_port
        await stack.enter_async_context(serve_health(health, host=host, port=port))
    chats = await stack.enter_async_context(open_chat_ports(app.settings))
    if not chats:
        log.warning("no chat platform configured (SLACK_BOT_TOKEN, DISCORD_TOKEN): no digests")
    health.set("worker", ok=True, detail=f"running; posts to {', '.join(chats) or 'nothing'}")
    stack.callback(health.set, "worker", ok=False, detail="stopped")
    poster = DigestPoster(app.redis, app.channels, lease=app.settings.digest_lease)
    return Jobs(app, poster, scheduler_for(app, poster), chats)


# -- arq settings ----------------------------------------------------------------------------------
def functions(settings: Settings) -> list[Function]:
    return [
        func(
            timed(DIGEST_JOB, post_digest),
            name=DIGEST_JOB,
            keep_result=0,
            timeout=settings.job_timeout,
            max_tries=MAX_TRIES,
        )
    ]


def cron_jobs(settings: Settings) -> list[CronJob]:
    every = settings.scheduler_every
    return [
        cron(
            timed(CHECK_JOB, check_schedules),
            name=CHECK_JOB,
            second=set(range(0, 60, every)),
            run_at_startup=True,
            # arq keeps a killed worker's jobs for (longest timeout + 10 s): keep this one short.
            timeout=min(30.0, settings.job_timeout),
        )
    ]


class WorkerSettings:
    """arq's settings class (`arq bot.worker.WorkerSettings`); `worker_options()` is the same
    read from Settings, which `paperboy worker` and `paperboy run` use."""

    functions: ClassVar[list[Function]] = functions(Settings.model_construct())
    cron_jobs: ClassVar[list[CronJob]] = cron_jobs(Settings.model_construct())
    on_startup = startup
    on_shutdown = shutdown
    queue_name = QUEUE
    keep_result = 0
    max_jobs = 20
    job_timeout = 600


def worker_options(settings: Settings, redis_url: str, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of `arq.worker.Worker` for these settings and Redis."""
    return {
        "functions": functions(settings),
        "cron_jobs": cron_jobs(settings),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "queue_name": QUEUE,
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "max_jobs": settings.worker_jobs,
        "job_timeout": settings.job_timeout,
        "keep_result": 0,
        "health_check_interval": 30,
        "ctx": {"settings": settings},
        **overrides,
    }


def redis_url_of(settings: Settings) -> str:
    """REDIS_URL, or the socket of the embedded Redis `Paperboy.open` starts or reuses."""
    return settings.redis_url or EmbeddedRedis(data_dir(settings)).url


@asynccontextmanager
async def running_worker(
    settings: Settings, redis_url: str, **overrides: Any
) -> AsyncIterator[asyncio.Task[None]]:
    """An arq Worker running in this loop (a task) until exit, then closed cleanly."""
    worker = Worker(**worker_options(settings, redis_url, **overrides))
    try:
        async with aio.running(worker.async_run(), name="worker") as task:
            yield task
    finally:
        with warnings.catch_warnings():  # arq 0.28 closes its pool with redis-py's old close()
            warnings.filterwarnings("ignore", "Call to deprecated close", DeprecationWarning)
            await worker.close()


async def serve_worker(settings: Settings) -> None:
    """`paperboy worker`: run until SIGTERM/SIGINT, finishing or releasing the jobs in hand."""
    async with AsyncExitStack() as stack:
        url = checked_url(settings.redis_url)
        if url is None:  # the embedded Redis, shared with `paperboy run` on this machine
            server = EmbeddedRedis(data_dir(settings))
            url = await asyncio.to_thread(server.start)
            stack.push_async_callback(asyncio.to_thread, server.stop)  # may wait for a shutdown
            settings = settings.model_copy(update={"redis_url": url})
        async with running_worker(settings, url, handle_signals=False) as task:
            with aio.server_gc():
                await until_signalled(task)


async def until_signalled(*tasks: asyncio.Task[Any]) -> None:
    """Wait until SIGTERM/SIGINT or until one of `tasks` ends (re-raising its error)."""
    import signal  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        ended, _ = await asyncio.wait({stopped, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    for task in ended - {stopped}:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
        log.warning("%s stopped", task.get_name())
    if stopped in ended:
        log.info("stopping on signal")
