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
import contextlib
import logging
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.worker import Function, Worker, func
from redis.exceptions import AuthenticationError, RedisError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tenacity import AsyncRetrying, retry_if_exception, wait_exponential_jitter

from bot import keys, logs, metrics
from bot.app import Paperboy
from bot.config import Settings, load_settings
from bot.domain import ChannelRef
from bot.errors import ConfigError
from bot.services import aio, redis_client
from bot.services.poster import Outcome
from bot.services.redis_errors import checked_url
from bot.services.redis_server import EmbeddedRedis
from bot.services.schedule import DueDigest
from bot.stores import data_dir
from bot.web import Health, serve_health

log = logging.getLogger(__name__)
QUEUE = keys.QUEUE
DIGEST_JOB = "post_digest"
CHECK_JOB = "check_schedules"
MAX_TRIES = 5
Ctx = dict[str, Any]
# Waits between PINGs while Redis is down: 0.2 s doubling to 2 s, jittered so that many workers
# do not reconnect in step; a return is noticed within about 2.5 s, however long the outage.
RECONNECT = wait_exponential_jitter(multiplier=0.2, max=2.0, jitter=0.5)
AFTER_A_FAULT = 5.0  # seconds before a Worker that stopped for any other reason is restarted
CONFIG_ERRORS = (ConfigError, AuthenticationError)
_quiet = logs.QuietLog(log)  # a worker failing again and again: one traceback per interval


# -- jobs ------------------------------------------------------------------------------------------
async def check_schedules(ctx: Ctx) -> int:
    """Enqueue every due digest (deduplicated by job id); the number found due."""
    app: Paperboy = ctx["app"]
    pool: ArqRedis = ctx["redis"]
    due = await app.scheduler.due(frozenset(app.chats))
    for digest in due:
        job = await pool.enqueue_job(
            DIGEST_JOB,
            digest.channel.key,
            digest.week,
            digest.late,
            digest.scheduled_for.isoformat(),
            digest.team,
            _job_id=digest.job_id,
            _queue_name=QUEUE,
        )
        await app.scheduler.attempted(digest)
        if job is not None:
            log.info("digest due: %s%s", digest.job_id, " (late)" if digest.late else "")
    return len(due)


async def post_digest(  # noqa: PLR0917  (arq passes a job's arguments positionally)
    ctx: Ctx, channel_key: str, week: str, late: bool, scheduled_for: str, team: str = ""
) -> str:
    """Post one channel's digest of one week; the delivery's outcome."""
    app: Paperboy = ctx["app"]
    channel = ChannelRef.parse(channel_key)
    team = team or await app.teams.team_of(channel)
    due = DueDigest(channel, week, datetime.fromisoformat(scheduled_for), late, team=team)
    if due.channel.platform not in app.chats:
        log.warning("cannot post %s: %s is not configured here", due.job_id, due.channel.platform)
        return "no-adapter"
    try:
        delivery = await app.deliver(due)
    except Exception:
        wait = await app.scheduler.failed(due)
        log.exception("digest %s failed; next attempt in %d s", due.job_id, wait)
        raise
    if delivery.outcome is Outcome.POSTED:
        delay = (app.clock() - due.scheduled_for).total_seconds()
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
        ctx["app"] = await _open(ctx, stack)
    except BaseException:
        await stack.aclose()
        raise


async def shutdown(ctx: Ctx) -> None:
    stack: AsyncExitStack | None = ctx.pop("stack", None)
    if stack is not None:
        await stack.aclose()


async def _open(ctx: Ctx, stack: AsyncExitStack) -> Paperboy:
    """The app the jobs use: `paperboy run`'s own (in ctx), or one opened with the chat ports
    of every configured platform."""
    app: Paperboy | None = ctx.get("app")
    if app is None:
        settings = ctx.get("settings") or load_settings()
        app = await stack.enter_async_context(Paperboy.open(settings, platforms=settings.platforms))
    health: Health | None = ctx.get("health")
    if health is None:
        health = Health(app.redis)
        host, port = app.settings.health_host, app.settings.health_port
        await stack.enter_async_context(serve_health(health, host=host, port=port))
    if not app.chats:
        log.warning("no chat platform configured (SLACK_BOT_TOKEN, DISCORD_TOKEN): no digests")
    detail = f"running; posts to {', '.join(app.chats) or 'nothing'}"
    health.set("worker", ok=True, detail=detail)
    stack.callback(health.set, "worker", ok=False, detail="stopped")
    return app


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
    """The job worker running in this loop (a task, `keep_working`) until exit."""
    async with aio.running(keep_working(settings, redis_url, **overrides), name="worker") as task:
        yield task


async def keep_working(settings: Settings, redis_url: str, **overrides: Any) -> None:
    """Run arq Workers one after the other, for as long as this task runs.

    An arq Worker ends at its first Redis error: nothing in its poll loop catches one. Each
    outage therefore ends one Worker; this waits, with backoff, until Redis answers again and
    starts the next, whose cron check finds what fell due meanwhile. Only a configuration error
    (a refused password, a bad setting) ends this task, and so the process.
    """
    health: Health | None = overrides.get("ctx", {}).get("health")
    if health is not None:
        health.set("worker", ok=False, detail="starting")  # up once its `startup` has run
    while True:
        try:
            await run_one_worker(settings, redis_url, **overrides)
        except CONFIG_ERRORS:
            raise
        except Exception as exc:  # a long-running process never dies of a fault
            _report_stop(health, exc)
            if not is_outage(exc):
                await asyncio.sleep(AFTER_A_FAULT)  # a bug that recurs must not spin
        await until_redis_answers(redis_url, health)


async def run_one_worker(settings: Settings, redis_url: str, **overrides: Any) -> None:
    """One arq Worker, run until it stops (a Redis error) or is cancelled, then closed."""
    options = worker_options(settings, redis_url, **overrides)
    options["ctx"] = dict(options["ctx"])  # each Worker adds its pool and exit stack
    worker = Worker(**options)
    try:
        await worker.async_run()
    finally:
        await close_worker(worker)


async def close_worker(worker: Worker) -> None:
    """arq's `close()` (cancel and requeue the jobs in hand, `shutdown`, close the pool). With
    Redis down it fails at its first Redis command, before `shutdown` and the pool's close:
    those are then done here."""
    with warnings.catch_warnings():  # arq 0.28 closes its pool with redis-py's old close()
        warnings.filterwarnings("ignore", "Call to deprecated close", DeprecationWarning)
        try:
            await worker.close()
        except Exception as exc:  # whatever failed, the rest must still be closed
            log.info("worker closed without Redis (%s)", _name(exc))
            await shutdown(worker.ctx)
            pool: ArqRedis | None = worker.ctx.get("redis")
            if pool is not None:
                with contextlib.suppress(RedisError, OSError):
                    await pool.aclose(close_connection_pool=True)


def _report_stop(health: Health | None, exc: Exception) -> None:
    """One line per stop: a Redis outage is expected, anything else is a bug (traceback)."""
    if is_outage(exc):
        log.warning("the worker lost Redis (%s): restarting it once Redis answers", _name(exc))
        detail = f"waiting for Redis ({_name(exc)})"
    else:
        _quiet.error("the worker stopped (%s): restarting it", _name(exc), exc_info=exc)
        detail = f"restarting after {_name(exc)}"
    if health is not None:
        health.set("worker", ok=False, detail=detail)


async def until_redis_answers(redis_url: str, health: Health | None = None) -> None:
    """Return once Redis answers a PING, trying again with exponential backoff (RECONNECT)
    for as long as it takes; a configuration error (a refused password) is raised."""
    client = redis_client.connect(redis_url, socket_connect_timeout=5, socket_timeout=5)
    started = time.monotonic()
    try:
        async for attempt in AsyncRetrying(
            wait=RECONNECT, retry=retry_if_exception(is_outage), reraise=True
        ):
            with attempt:
                await client.ping()
    finally:
        await client.aclose()
    log.info("Redis answers again (%.1f s): starting the worker", time.monotonic() - started)
    if health is not None:
        health.set("worker", ok=False, detail="starting")


def is_outage(exc: BaseException) -> bool:
    """Redis unreachable, timing out or still loading its data: worth waiting for. A refused
    password is a configuration error (redis-py makes it a ConnectionError too)."""
    if isinstance(exc, AuthenticationError):
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError | TimeoutError)


def _name(exc: BaseException) -> str:
    return type(exc).__name__


async def serve_worker(settings: Settings) -> None:
    """`paperboy worker`: run until SIGTERM/SIGINT, finishing or releasing the jobs in hand.

    The app and the /healthz server are opened here, outside the restarted Workers, so that
    /healthz keeps answering (503, naming what is down) through a Redis outage."""
    async with AsyncExitStack() as stack:
        url = checked_url(settings.redis_url)
        if url is None:  # the embedded Redis, shared with `paperboy run` on this machine
            server = EmbeddedRedis(data_dir(settings))
            url = await asyncio.to_thread(server.start)
            stack.push_async_callback(asyncio.to_thread, server.stop)  # may wait for a shutdown
            settings = settings.model_copy(update={"redis_url": url})
        app = await stack.enter_async_context(Paperboy.open(settings, platforms=settings.platforms))
        health = Health(app.redis)
        host, port = settings.health_host, settings.health_port
        await stack.enter_async_context(serve_health(health, host=host, port=port))
        ctx = {"settings": settings, "app": app, "health": health}
        async with running_worker(settings, url, handle_signals=False, ctx=ctx) as task:
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
