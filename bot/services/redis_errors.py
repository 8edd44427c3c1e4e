"""How a Redis URL and a Redis failure are shown to an operator: one line, no password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from redis.connection import parse_url
from redis.exceptions import AuthenticationError, ConnectionError, RedisError, TimeoutError

from bot.errors import ConfigError
from bot.i18n import N_, Text, lazy

SECRET_QUERY_KEYS = frozenset({"password"})  # redis-py also takes the password as ?password=


def masked(url: str) -> str:
    """`url` with its password (in the user part or the query) replaced by `***`."""
    base, question, query = url.partition("?")
    userinfo, at, _host = urlsplit(base).netloc.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        # A lone `redis://secret@host` is how many write a password: hide it too.
        base = base.replace(f"//{userinfo}@", f"//{user}:***@" if colon else "//***@", 1)
    pairs = [_masked_pair(pair) for pair in query.split("&")] if question else []
    return base + question + "&".join(pairs)


def _masked_pair(pair: str) -> str:
    key, equals, _value = pair.partition("=")
    return f"{key}=***" if equals and key in SECRET_QUERY_KEYS else pair


def _secrets(url: str) -> list[str]:
    parts = urlsplit(url)
    found = [parts.password or parts.username or ""]
    found += [v for k, v in parse_qsl(parts.query) if k in SECRET_QUERY_KEYS]
    return [s for s in found if s]


def _kind(exc: BaseException, text: str) -> str:
    if isinstance(exc, AuthenticationError) or text.startswith(("WRONGPASS", "NOAUTH")):
        return "credentials"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionError):
        return "unreachable"
    return "failed" if isinstance(exc, RedisError) else "url"


# One whole sentence per (server, failure), so that every language can word it its own way.
_AT_URL = {
    "credentials": N_(
        "Redis at REDIS_URL={url} refused the credentials ({detail}): check the user and password"
    ),
    "timeout": N_("Redis at REDIS_URL={url} timed out ({detail})"),
    "unreachable": N_("Redis at REDIS_URL={url} is unreachable ({detail})"),
    "failed": N_("Redis at REDIS_URL={url} failed ({detail})"),
    "url": N_("Redis at REDIS_URL={url} is not a valid Redis URL ({detail})"),
}
_EMBEDDED = {
    "credentials": N_(
        "the embedded Redis (REDIS_URL is unset) refused the credentials ({detail}): check the "
        "user and password"
    ),
    "timeout": N_("the embedded Redis (REDIS_URL is unset) timed out ({detail})"),
    "unreachable": N_("the embedded Redis (REDIS_URL is unset) is unreachable ({detail})"),
    "failed": N_("the embedded Redis (REDIS_URL is unset) failed ({detail})"),
    "url": N_("the embedded Redis (REDIS_URL is unset) is not a valid Redis URL ({detail})"),
}


def describe_failure(exc: BaseException, redis_url: str | None) -> Text:
    """One line naming REDIS_URL (password masked) and what went wrong, for the CLI and logs
    (`str()` is English; the CLI renders it in its language).

    `redis_url` None means the embedded server (REDIS_URL is unset).
    """
    detail = " ".join(str(exc).split()) or type(exc).__name__
    kind = _kind(exc, detail)
    if redis_url is None:
        return lazy(_EMBEDDED[kind], detail=detail)
    for secret in _secrets(redis_url):  # redis-py's texts carry none; be sure of it
        detail = detail.replace(secret, "***")
    return lazy(_AT_URL[kind], url=masked(redis_url), detail=detail)


def checked_url(redis_url: str | None) -> str | None:
    """REDIS_URL as given, or a ConfigError (one line, password masked) if redis-py cannot
    parse it, e.g. `redis://host:notaport/0`; redis-py and arq would raise a bare ValueError."""
    if redis_url is not None:
        try:
            parse_url(redis_url)  # type: ignore[no-untyped-call]
        except ValueError as exc:
            raise ConfigError(describe_failure(exc, redis_url)) from None
    return redis_url
