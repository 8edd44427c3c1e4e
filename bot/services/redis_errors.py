"""How a Redis URL and a Redis failure are shown to an operator: one line, no password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from redis.connection import parse_url
from redis.exceptions import AuthenticationError, ConnectionError, RedisError, TimeoutError

from bot.errors import ConfigError

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


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, AuthenticationError) or text.startswith(("WRONGPASS", "NOAUTH")):
        return f"refused the credentials ({text}): check the user and password"
    if isinstance(exc, TimeoutError):
        return f"timed out ({text})"
    if isinstance(exc, ConnectionError):
        return f"is unreachable ({text})"
    if isinstance(exc, RedisError):
        return f"failed ({text})"
    return f"is not a valid Redis URL ({text})"


def describe_failure(exc: BaseException, redis_url: str | None) -> str:
    """One line naming REDIS_URL (password masked) and what went wrong, for the CLI and logs.

    `redis_url` None means the embedded server (REDIS_URL unset).
    """
    if redis_url is None:
        return f"the embedded Redis (REDIS_URL is unset) {_reason(exc)}"
    reason = _reason(exc)
    for secret in _secrets(redis_url):  # redis-py's texts carry none; be sure of it
        reason = reason.replace(secret, "***")
    return f"Redis at REDIS_URL={masked(redis_url)} {reason}"


def checked_url(redis_url: str | None) -> str | None:
    """REDIS_URL as given, or a ConfigError (one line, password masked) if redis-py cannot
    parse it, e.g. `redis://host:notaport/0`; redis-py and arq would raise a bare ValueError."""
    if redis_url is not None:
        try:
            parse_url(redis_url)  # type: ignore[no-untyped-call]
        except ValueError as exc:
            raise ConfigError(describe_failure(exc, redis_url)) from None
    return redis_url
