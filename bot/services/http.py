"""GET with retries for the paper sources: backoff, `Retry-After`, and one clear error at the end.

arXiv and Hugging Face both throttle (429) and have bad minutes (5xx); a digest run must ride
those out instead of dying on the first one, and must not hammer a service that asked us to
wait. tenacity drives the attempts; this module only decides what is retryable, how long to
wait (exponential from `backoff`, at least what `Retry-After` asks, both capped) and what the
user reads when every attempt failed. Other 4xx answers are returned: they carry the reason
(arXiv's 400 is an Atom error entry), and the caller knows how to read it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from email.utils import parsedate_to_datetime

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
)

from bot.errors import UpstreamError
from bot.i18n import lazy

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 60.0

Pace = Callable[[], Awaitable[object]]


class RetryableStatusError(Exception):
    """An answer worth trying again (429/5xx); carries the response for `Retry-After`."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class _Wait:
    """tenacity wait: exponential from `base`, raised to `Retry-After` when the server sent one."""

    def __init__(self, base: float, cap: float = MAX_BACKOFF) -> None:
        self.base = base
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        delay = min(self.cap, self.base * 2.0 ** (state.attempt_number - 1))
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableStatusError):
            asked = retry_after_seconds(error.response.headers.get("Retry-After"))
            if asked is not None:
                delay = max(delay, min(asked, MAX_RETRY_AFTER))
        return delay


async def get_with_retry(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str | int] | None = None,
    retries: int,
    what: str,
    backoff: float = 0.5,
    pace: Pace | None = None,
) -> httpx.Response:
    """The response of `GET url`, trying up to `retries` more times on 429/5xx and network errors.

    `what` names the service in the error a user reads ("arXiv is not answering right now...").
    `pace`, when given, is awaited before every attempt (retries included), so a shared rate
    limit also covers retries. Raises UpstreamError once every attempt failed.
    """
    retrying = AsyncRetrying(
        stop=stop_after_attempt(retries + 1),
        wait=_Wait(backoff),
        retry=retry_if_exception_type((RetryableStatusError, httpx.TransportError)),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await _attempt(client, url, params, pace)
    except RetryableStatusError as error:
        code = error.response.status_code
        raise UpstreamError(
            lazy(
                "{service} is not answering right now (HTTP {code}); try again in a few minutes",
                service=what,
                code=str(code),
            )
        ) from error
    except httpx.TimeoutException as error:
        raise UpstreamError(
            lazy("{service} did not answer in time; try again in a few minutes", service=what)
        ) from error
    except httpx.TransportError as error:
        raise UpstreamError(
            lazy("{service} cannot be reached right now; try again later", service=what)
        ) from error
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


async def _attempt(
    client: httpx.AsyncClient,
    url: str,
    params: Mapping[str, str | int] | None,
    pace: Pace | None,
) -> httpx.Response:
    if pace is not None:
        await pace()
    response = await client.get(url, params=params)
    if response.status_code in RETRY_STATUSES:
        raise RetryableStatusError(response)
    return response
