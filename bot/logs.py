"""Rate-limited logging: a flood of the same warning or error becomes one line per interval.

A Redis outage fails every reaction the same way, and anyone on the internet can send junk to
the HTTP endpoint: logging each one would bury the log (and fill the disk). A `QuietLog` lets
the first record of a kind through, counts the repeats for `interval` seconds, and adds the
count to the next record of that kind it lets through ("… (N more like this since the last one
logged)"). Records below WARNING always pass.

Two records are of one kind when they have the same message template (the arguments may
differ), level and exception type. Each `QuietLog` keeps its own counts: a server or an adapter
owns one, so two of them (or two tests) never silence each other.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from typing import Any

INTERVAL = 60.0
# Bounds memory when messages are built from varying text (f-strings in libraries).
MAX_KINDS = 1024

Kind = tuple[int, str, str]


class Throttle:
    """Admits one occurrence of each kind per `interval` seconds and counts the others."""

    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._until: OrderedDict[Kind, float] = OrderedDict()  # kind -> end of its quiet time
        self._repeats: dict[Kind, int] = {}

    def admit(self, kind: Kind) -> int | None:
        """None to drop this occurrence; else how many were dropped since the last admitted."""
        now = self._clock()
        if now < self._until.get(kind, now):
            self._repeats[kind] = self._repeats.get(kind, 0) + 1
            return None
        self._until[kind] = now + self.interval
        self._until.move_to_end(kind)
        if len(self._until) > MAX_KINDS:
            forgotten, _ = self._until.popitem(last=False)
            self._repeats.pop(forgotten, None)
        return self._repeats.pop(kind, 0)


class QuietLog(logging.LoggerAdapter[logging.Logger]):
    """`logger` with its warnings and errors throttled (see the module docstring)."""

    def __init__(self, logger: logging.Logger, throttle: Throttle | None = None) -> None:
        super().__init__(logger)
        self.throttle = throttle or Throttle()

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stacklevel", 2)  # the caller's line, not this one
        if level < logging.WARNING or not self.isEnabledFor(level):
            super().log(level, msg, *args, **kwargs)
            return
        repeats = self.throttle.admit((level, str(msg), _error_name(kwargs.get("exc_info"))))
        if repeats is None:
            return
        if repeats:  # formatted here, so that a `%` in the arguments stays text
            text = str(msg) % args if args else str(msg)
            msg, args = f"{text} ({repeats} more like this since the last one logged)", ()
        super().log(level, msg, *args, **kwargs)

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs  # no `extra` to merge: keep the caller's


def _error_name(exc_info: object) -> str:
    """The exception type's name of a logging call's `exc_info` (True, an exception, a tuple)."""
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        return type(exc_info).__name__
    if isinstance(exc_info, tuple) and exc_info and isinstance(exc_info[0], type):
        return exc_info[0].__name__
    return ""
