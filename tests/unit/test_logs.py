"""`bot.logs.QuietLog`: one line per kind and interval, the repeats counted, nothing else lost."""

from __future__ import annotations

import logging

import pytest

from bot.logs import QuietLog, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def quiet(clock: Clock) -> QuietLog:
    return QuietLog(logging.getLogger("tests.quiet"), Throttle(60.0, clock=clock))


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tests.quiet"]


def test_a_flood_is_one_line_then_one_with_the_count(
    quiet: QuietLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for user in range(500):
        quiet.warning("vote of %s failed", user)
    clock.now = 61.0
    quiet.warning("vote of %s failed", "U9 (100%)")
    assert messages(caplog) == [
        "vote of 0 failed",
        "vote of U9 (100%) failed (499 more like this since the last one logged)",
    ]


def test_kinds_are_template_level_and_exception_type(
    quiet: QuietLog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(3):
        quiet.warning("refused (%s)", "a")
        quiet.error("refused (%s)", "a")
        quiet.error("failed", exc_info=ConnectionError("down"))
        quiet.error("failed", exc_info=TimeoutError())
        quiet.info("info is never throttled")
    assert messages(caplog) == [
        "refused (a)",
        "refused (a)",
        "failed",
        "failed",
        "info is never throttled",
        "info is never throttled",
        "info is never throttled",
    ]
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [ConnectionError, TimeoutError]


def test_each_owner_counts_alone(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.quiet")
    first, second = (QuietLog(logger, Throttle(60.0, clock=clock)) for _ in range(2))
    first.warning("the same line")
    second.warning("the same line")
    assert messages(caplog) == ["the same line", "the same line"]


def test_records_name_the_callers_line(quiet: QuietLog, caplog: pytest.LogCaptureFixture) -> None:
    quiet.warning("where")
    [record] = caplog.records
    assert record.pathname == __file__
