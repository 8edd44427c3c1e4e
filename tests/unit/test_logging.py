"""Structured logs: one event per line (JSON optional, tracebacks inside the line), and no
secret setting's value ever printed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.cli.common import setup_logging
from bot.config import load_settings

TOKEN = "xoxb-1234-secret-token"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_events_are_one_line_each_with_the_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging(load_settings(PAPERBOY_LOG_JSON=True, SLACK_BOT_TOKEN=TOKEN))
    log = logging.getLogger("bot.test")
    log.info("digest %s posted", "digest:slack:C1:2024-W12")
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        log.exception("digest failed")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "digest digest:slack:C1:2024-W12 posted"
    assert (first["level"], first["logger"]) == ("INFO", "bot.test")
    assert "RuntimeError: boom" in second["exc"]


@pytest.mark.parametrize("as_json", [False, True])
def test_secret_values_are_redacted(capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    setup_logging(
        load_settings(
            PAPERBOY_LOG_JSON=as_json, SLACK_BOT_TOKEN=TOKEN, OPENAI_API_KEY="sk-abcdef12"
        )
    )
    logging.getLogger("bot.test").warning("request with %s and sk-abcdef12 failed", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "sk-abcdef12" not in err
    assert "request with *** and *** failed" in err


def test_the_redis_password_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(load_settings(REDIS_URL="redis://:hunter2-redis@db.internal:6379/0"))
    logging.getLogger("bot.test").warning("lost redis://:hunter2-redis@db.internal:6379/0")
    err = capsys.readouterr().err
    assert "hunter2-redis" not in err
    assert "redis://:***@db.internal:6379/0" in err
