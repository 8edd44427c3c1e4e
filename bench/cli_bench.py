"""CLI start: whole `paperboy` processes beside `python -c pass`, paired and interleaved.

Usage: python -m bench.cli_bench [--reps 7]

Each figure is the wall time of a whole process, from spawn to exit, with its CPU time
(`os.wait4`; not its peak RSS, which for a child forked from this large process counts the
parent's pages until the exec); each run of a command is paired with a run of the anchor, `python -c pass` on
the same interpreter, right before or after it (the order alternates). The leaderboard runs
against a Redis already running (started by this script, holding a team's votes), as a deployed
Paperboy's would be; once without an LLM key and once with one (the key makes Paperboy build its
OpenAI client, so the SDK loads). Goals: `--help` <= 8x and `leaderboard --all --json` <= 10x.
A last row times `bench/cli_floor.py`, the same query by a minimal script on the same libraries,
paired with `python -c pass` the same way: the least the fixed stack costs.

Paperboy's own modules are compiled to bytecode first, as installing a wheel does: an editable
install under PYTHONDONTWRITEBYTECODE would otherwise compile them from source on every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._common import redis_url
from bench._report import spread, table
from bot import keys
from bot.services import aio
from bot.services.redis_client import connect
from bot.services.teams import TeamStore
from bot.services.votes import VoteStore
from tests.harness import ROOT, clean_environ, vote

TEAM = "slack:T0CLIBENCH"
FLOOR = Path(__file__).with_name("cli_floor.py")


@dataclass(frozen=True)
class Run:
    wall_ms: float
    cpu_ms: float


def spawn(argv: list[str], env: dict[str, str]) -> Run:
    """One whole process: wall time and CPU (user + system)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(
            f"{argv} failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return Run(wall, (usage.ru_utime + usage.ru_stime) * 1000)


def paperboy() -> list[str]:
    """The installed console script, as a user runs it (else `python -m bot`)."""
    script = shutil.which("paperboy")
    return [script] if script else [sys.executable, "-m", "bot"]


async def seed(url: str) -> None:
    """A team with 40 votes over 20 papers: the leaderboard has rows to print."""
    redis = connect(url)
    await redis.flushdb()
    await TeamStore(redis).set_install("slack", TEAM)
    votes = VoteStore(redis)
    for i in range(40):
        await vote(redis, votes, f"2403.{i % 20:05d}", f"U{i:04d}", team=TEAM)
    await redis.aclose()


def paired(argv: list[str], env: dict[str, str], reps: int) -> tuple[list[Run], list[Run]]:
    anchor_argv = [sys.executable, "-c", "pass"]
    ours, anchor = [], []
    spawn(argv, env)  # warm the page cache: every run then reads the same files from memory
    for rep in range(reps):
        first, second = (argv, anchor_argv) if rep % 2 else (anchor_argv, argv)
        a, b = spawn(first, env), spawn(second, env)
        ours.append(a if first is argv else b)
        anchor.append(b if first is argv else a)
    return ours, anchor


def main(reps: int) -> None:
    for package in ("bot", "adapters"):
        compileall.compile_dir(ROOT / package, quiet=1)
    rows = []
    with redis_url() as url, tempfile.TemporaryDirectory() as data:
        aio.run(seed(url))
        env = {**clean_environ(), "REDIS_URL": url, "PAPERBOY_DATA_DIR": str(Path(data))}
        keyed = {**env, "OPENAI_API_KEY": "sk-bench-not-a-real-key"}
        cases = [
            ("`paperboy --help`", [*paperboy(), "--help"], env, 8),
            (
                "`paperboy leaderboard --all --json`",
                [*paperboy(), "leaderboard", "--all", "--json"],
                env,
                10,
            ),
            (
                "the same with OPENAI_API_KEY set",
                [*paperboy(), "leaderboard", "--all", "--json"],
                keyed,
                10,
            ),
            (
                "floor: the same query by a minimal typer + pydantic-settings + redis-py script"
                " (`bench/cli_floor.py`)",
                [sys.executable, str(FLOOR), "leaderboard", "--all", "--json"],
                {**env, "BENCH_TEAM_PREFIX": keys.team(TEAM)},
                None,
            ),
        ]
        for label, argv, case_env, goal in cases:
            ours, anchor = paired(argv, case_env, reps)
            walls = [r.wall_ms for r in ours]
            ratio = [o.wall_ms / a.wall_ms for o, a in zip(ours, anchor, strict=True)]
            rows.append(
                [
                    label,
                    spread(walls, "{:,.0f}"),
                    spread([r.wall_ms for r in anchor], "{:,.0f}"),
                    f"{spread(ratio, '{:.1f}')}" + (f" (goal ≤ {goal})" if goal else ""),
                    spread([r.cpu_ms for r in ours], "{:,.0f}"),
                ]
            )
    table(
        "cli",
        [
            "command",
            "wall ms",
            "anchor `python -c pass`, paired (ms)",
            "ratio",
            "CPU ms",
        ],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=7)
    main(parser.parse_args().reps)
