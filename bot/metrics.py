"""Prometheus metrics of this process, served at `GET /metrics` (`bot/web.py`).

Metrics are process-wide by nature (each `paperboy run` / `paperboy worker` process is one
scrape target), so the counters live in one registry of this module rather than being injected:
the core increments them where the events happen with one call, and nothing else reads them.
Label values are bounded (command names, platforms, outcomes), never user input or ids.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # at run time these are made by `_made()` on first use (see `__getattr__`)
    from prometheus_client import CollectorRegistry, Counter, Histogram

    REGISTRY: CollectorRegistry
    CONTENT_TYPE: str
    COMMANDS: Counter
    VOTES: Counter
    LLM_CALLS: Counter
    LLM_TOKENS: Counter
    LLM_CACHE_HITS: Counter
    LLM_FALLBACKS: Counter
    DIGESTS_POSTED: Counter
    DIGESTS_FAILED: Counter
    DIGEST_MESSAGES: Counter
    JOB_SECONDS: Histogram
    JOB_QUEUED_SECONDS: Histogram
    DIGEST_DELAY_SECONDS: Histogram


def __getattr__(name: str) -> Any:
    """The metrics as module attributes, made on first use: prometheus_client loads only in a
    process that counts something (a CLI command that counts nothing does not pay for it)."""
    made = _made()
    if name in made:
        return made[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _made() -> dict[str, Any]:
    from prometheus_client import CollectorRegistry, Counter, Histogram  # noqa: PLC0415
    from prometheus_client.exposition import CONTENT_TYPE_LATEST  # noqa: PLC0415

    registry = CollectorRegistry(auto_describe=True)
    made: dict[str, Any] = {"REGISTRY": registry, "CONTENT_TYPE": CONTENT_TYPE_LATEST}
    made["COMMANDS"] = Counter(
        "paperboy_commands",
        "/paper commands answered, by sub-command (lookup = a paper look-up) and outcome",
        ["command", "outcome"],
        registry=registry,
    )
    made["VOTES"] = Counter(
        "paperboy_votes",
        "Reactions recorded as vote changes, by platform and change (added/removed)",
        ["platform", "change"],
        registry=registry,
    )

    made["LLM_CALLS"] = Counter(
        "paperboy_llm_calls",
        "Requests sent to the LLM endpoint, by outcome (ok/error)",
        ["outcome"],
        registry=registry,
    )
    made["LLM_TOKENS"] = Counter(
        "paperboy_llm_tokens",
        "Tokens the LLM endpoint reported, by kind (prompt/completion)",
        ["kind"],
        registry=registry,
    )
    made["LLM_CACHE_HITS"] = Counter(
        "paperboy_llm_cache_hits",
        "Summaries and trend paragraphs served from the cache or a shared in-flight call",
        registry=registry,
    )
    made["LLM_FALLBACKS"] = Counter(
        "paperboy_llm_fallbacks",
        "Summaries and trend paragraphs that fell back to extractive text",
        registry=registry,
    )
    made["DIGESTS_POSTED"] = Counter(
        "paperboy_digests_posted",
        "Digests completely delivered, by platform and whether they were late",
        ["platform", "late"],
        registry=registry,
    )
    made["DIGESTS_FAILED"] = Counter(
        "paperboy_digests_failed",
        "Digest deliveries that raised (they are retried; see the logs for the cause)",
        ["platform"],
        registry=registry,
    )
    made["DIGEST_MESSAGES"] = Counter(
        "paperboy_digest_messages_posted",
        "Digest messages posted (header and papers)",
        ["platform"],
        registry=registry,
    )
    made["JOB_SECONDS"] = Histogram(
        "paperboy_job_seconds",
        "Worker job run time, by job",
        ["job"],
        buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
        registry=registry,
    )
    made["JOB_QUEUED_SECONDS"] = Histogram(
        "paperboy_job_queued_seconds",
        "Time a job waited in the queue before a worker started it, by job",
        ["job"],
        buckets=(0.01, 0.1, 0.5, 1, 5, 15, 60, 300),
        registry=registry,
    )
    made["DIGEST_DELAY_SECONDS"] = Histogram(
        "paperboy_digest_delay_seconds",
        "From a digest's scheduled time to its last message posted",
        buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600, 86400),
        registry=registry,
    )
    return made


@cache
def votes(platform: str, change: str) -> Counter:
    """`VOTES` for one platform and change: the child is looked up once, not on every vote."""
    counter: Counter = _made()["VOTES"]
    return counter.labels(platform=platform, change=change)


class TokenCount(Protocol):
    @property
    def prompt_tokens(self) -> int: ...

    @property
    def completion_tokens(self) -> int: ...


def llm_call(usage: TokenCount | None, *, ok: bool = True) -> None:
    """Count one LLM request and the tokens its answer reported."""
    _made()["LLM_CALLS"].labels(outcome="ok" if ok else "error").inc()
    if usage is not None:
        _made()["LLM_TOKENS"].labels(kind="prompt").inc(usage.prompt_tokens)
        _made()["LLM_TOKENS"].labels(kind="completion").inc(usage.completion_tokens)


def command(name: str, *, ok: bool) -> None:
    _made()["COMMANDS"].labels(command=name, outcome="ok" if ok else "error").inc()


def exposition() -> bytes:
    """The registry in Prometheus' text format."""
    from prometheus_client import generate_latest  # noqa: PLC0415

    return generate_latest(_made()["REGISTRY"])
