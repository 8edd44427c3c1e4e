"""How every benchmark reports: repeated, interleaved runs summarised as min / median / max, the
machine's load average beside them, and markdown tables that `python -m bench` copies into
docs/benchmarks.md.

A table is printed between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; the suite replaces
the block of the same name in the docs, so the prose around the tables is written by people and
the figures only by the scripts.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bench._common import machine

REPS = 5  # every figure: at least five runs, the anchor's interleaved with them


def load() -> str:
    """The machine's 1 / 5 / 15-minute load averages, as printed beside every table."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def stamp() -> str:
    return f"{date.today().isoformat()}, {machine()}, load average {load()}"


def spread(values: Sequence[float], fmt: str = "{:,.1f}") -> str:
    """`min / median / max` of `values`, the median in bold."""
    ordered = sorted(values)
    low, mid, high = ordered[0], statistics.median(ordered), ordered[-1]
    return f"{fmt.format(low)} / **{fmt.format(mid)}** / {fmt.format(high)}"


def ratios(ours: Sequence[float], anchor: Sequence[float]) -> list[float]:
    """Each run's figure over its paired anchor run (interleaved, so they share the load)."""
    return [a / b for a, b in zip(ours, anchor, strict=True)]


@dataclass
class Paired:
    """Ours and the anchor, measured alternately `reps` times (the order flips every run, so
    neither always runs first)."""

    ours: list[float] = field(default_factory=list)
    anchor: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> list[float]:
        return ratios(self.ours, self.anchor)


async def paired(
    ours: Callable[[], Awaitable[float]], anchor: Callable[[], Awaitable[float]], reps: int = REPS
) -> Paired:
    out = Paired()
    for rep in range(reps):
        if rep % 2:
            out.ours.append(await ours())
            out.anchor.append(await anchor())
        else:
            out.anchor.append(await anchor())
            out.ours.append(await ours())
    return out


def timed(call: Callable[[], object]) -> float:
    """Wall milliseconds of one call."""
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def table(name: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a markdown table the suite copies into docs/benchmarks.md (block `name`)."""
    print(f"<!-- bench:{name} -->")
    print(f"_{stamp()}_\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(f"<!-- /bench:{name} -->")
