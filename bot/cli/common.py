"""What every CLI command shares: settings at the edge, one-line errors, logging, progress."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urlsplit

from bot.errors import PaperboyError
from bot.i18n import Text, lazy, render, t

# Every command module imports this one, and `paperboy --help` imports every command module:
# what only running a command needs (settings, Redis, the event loop) is imported where used.
if TYPE_CHECKING:
    from rich.console import Console

    from bot.config import Settings
    from bot.domain import Language


class _ConsoleOnFirstUse:
    """A rich Console made when first used: `--json` output piped to another program, and a
    command that prints nothing, do not load rich (docs/benchmarks.md, "CLI start")."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console  # noqa: PLC0415

            self._console = Console(**self._options)
        return getattr(self._console, name)


out = cast("Console", _ConsoleOnFirstUse(soft_wrap=True))
err = cast("Console", _ConsoleOnFirstUse(stderr=True))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if record.exc_info:  # the traceback stays inside the one line
            event["exc"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


class _Redacting(logging.Formatter):
    """Wraps a formatter: any secret setting's value that reaches a log line becomes `***`."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self._inner = inner
        self._secrets = [s for s in secrets if len(s) >= 6]

    def format(self, record: logging.LogRecord) -> str:
        line = self._inner.format(record)
        for secret in self._secrets:
            line = line.replace(secret, "***")
        return line


def _secret_values(settings: Settings) -> list[str]:
    from pydantic import SecretStr  # noqa: PLC0415

    values = (getattr(settings, name) for name in type(settings).model_fields)
    secrets = [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
    # REDIS_URL is a plain setting (it is also a location), but its password is a secret.
    password = urlsplit(settings.redis_url).password if settings.redis_url else None
    return [*secrets, password] if password else secrets


def setup_logging(settings: Settings, *, quiet: bool = False) -> None:
    """One event per line on stderr; JSON when PAPERBOY_LOG_JSON is true; secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    inner = _JsonFormatter() if settings.log_json else logging.Formatter(fmt)
    handler.setFormatter(_Redacting(inner, _secret_values(settings)))
    level = logging.WARNING if quiet and settings.log_level == "INFO" else settings.log_level
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "openai", "httpx2", "httpcore2", "discord", "slack_bolt"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def cli_language(settings: Settings | None = None) -> Language:
    """The language `paperboy` speaks to people: PAPERBOY_LANGUAGE (a command's `--lang`
    wins where it has one; its caller passes that). English while the settings are unreadable:
    the error saying why must still be shown."""
    if settings is not None:
        return settings.language
    from bot.config import load_settings  # noqa: PLC0415

    try:
        return load_settings().language
    except PaperboyError:
        return "en"


def fail(message: str | Text, code: int = 1, language: Language | None = None) -> NoReturn:
    """One line on stderr, in `language` (default: `cli_language()`), and exit `code`."""
    from rich.markup import escape  # noqa: PLC0415

    language = language or cli_language()
    # One line however wide the terminal; brackets in the message (`[Errno 111]`) are text.
    label = escape(t("error:", language))
    line = f"[bold red]{label}[/] {escape(render(message, language))}"
    err.print(line, markup=True, highlight=False, soft_wrap=True)
    raise SystemExit(code)


@contextmanager
def user_errors(settings: Settings | None = None) -> Iterator[None]:
    """Turn every expected failure into one clear line on stderr and a non-zero exit.

    A Redis error names REDIS_URL from `settings` (password masked).
    """
    try:
        yield
    except PaperboyError as exc:
        language = cli_language(settings)
        fail(exc.localized(language), language=language)
    except Exception as exc:
        if _is_redis_error(exc):
            from bot.services.redis_errors import describe_failure  # noqa: PLC0415

            where = settings.redis_url if settings else None
            fail(describe_failure(exc, where), language=cli_language(settings))
        if isinstance(exc, OSError | TimeoutError):
            fail(f"{type(exc).__name__}: {exc}", language=cli_language(settings))
        raise


def _is_redis_error(exc: Exception) -> bool:
    """A RedisError, checked without importing redis-py: an error can only be one if redis-py
    was loaded."""
    errors = sys.modules.get("redis.exceptions")
    return errors is not None and isinstance(exc, errors.RedisError)


def settings_or_exit(quiet: bool = False, **overrides: Any) -> Settings:
    from bot.config import load_settings  # noqa: PLC0415

    with user_errors():
        settings = load_settings(**overrides)
    setup_logging(settings, quiet=quiet)
    return settings


def run_async(
    main: Callable[[], Coroutine[Any, Any, None]], settings: Settings, *, serving: bool = False
) -> None:
    """Run a command's coroutine on the configured event loop (PAPERBOY_EVENT_LOOP). With
    "auto", a command that serves (`run`, `worker`) runs on uvloop and a one-shot command on
    asyncio's loop: importing uvloop costs a one-shot query more than its faster I/O saves
    (docs/benchmarks.md, "CLI start")."""
    from bot.services import aio  # noqa: PLC0415

    loop = "asyncio" if settings.event_loop == "auto" and not serving else settings.event_loop
    with user_errors(settings):
        try:
            aio.run(main(), loop=loop)
        except KeyboardInterrupt:
            fail(lazy("interrupted"), code=130, language=settings.language)


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout: coloured on a terminal, plain text in a pipe (what
    rich prints there too, without loading it)."""
    if sys.stdout.isatty():
        out.print_json(json.dumps(data, ensure_ascii=False, default=str))
        return
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
