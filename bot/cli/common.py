"""What every CLI command shares: settings at the edge, one-line errors, logging, progress."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from rich.console import Console

from bot.config import Settings, load_settings
from bot.errors import PaperboyError

out = Console(soft_wrap=True)
err = Console(stderr=True)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "event": record.getMessage(),
            },
            ensure_ascii=False,
        )


def setup_logging(settings: Settings, *, quiet: bool = False) -> None:
    """One event per line on stderr; JSON when PAPERBOY_LOG_JSON is true."""
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(_JsonFormatter() if settings.log_json else logging.Formatter(fmt))
    level = logging.WARNING if quiet and settings.log_level == "INFO" else settings.log_level
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "openai", "httpx2", "httpcore2", "discord", "slack_bolt"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise SystemExit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every expected failure into one clear line on stderr and a non-zero exit."""
    try:
        yield
    except PaperboyError as exc:
        fail(str(exc))
    except (OSError, TimeoutError) as exc:
        fail(f"{type(exc).__name__}: {exc}")


def settings_or_exit(quiet: bool = False, **overrides: Any) -> Settings:
    with user_errors():
        settings = load_settings(**overrides)
    setup_logging(settings, quiet=quiet)
    return settings


def run_async(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    with user_errors():
        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            fail("interrupted", code=130)
