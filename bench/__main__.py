"""`python -m bench`: every benchmark, one after another, and their tables into the docs.

Usage: python -m bench [--only NAME ...] [--no-write]

Each script runs in a process of its own (a fresh interpreter: no benchmark warms another's
caches) and prints its tables between `<!-- bench:NAME -->` markers (`bench/_report.py`); the
blocks of the same names in docs/benchmarks.md are replaced, the prose around them kept. A
script that prints plain lines has them copied verbatim into its block. A script that fails is
reported and its old table kept.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from bench._report import stamp

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BLOCK = re.compile(r"<!-- bench:(?P<name>[\w-]+) -->\n.*?<!-- /bench:(?P=name) -->", re.S)

# (name, module and arguments): a few minutes in all on a 2-core machine.
SUITE: list[tuple[str, list[str]]] = [
    ("cli", ["bench.cli_bench"]),
    ("ranking", ["bench.ranking_bench"]),
    ("slack-reactions", ["bench.slack_reactions_bench", "--layers"]),
    ("votes", ["bench.votes_bench"]),
    ("votes-memory", ["bench.votes_memory_bench", "--votes", "200000", "--runs", "5"]),
    ("digest", ["bench.digest_bench"]),
    ("fresh-process", ["bench.fresh_process_bench"]),
    ("fulltext", ["bench.fulltext_bench", "--reps", "5"]),
    ("outage", ["bench.outage_bench", "--outage", "5", "--outage", "30"]),
]


def run(module: list[str]) -> tuple[str, bool]:
    done = subprocess.run(
        [sys.executable, "-m", *module], capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
    return done.stdout, done.returncode == 0


def as_block(name: str, output: str) -> str:
    """A script's printed lines as a block of the docs, verbatim."""
    return (
        f"<!-- bench:{name} -->\n_{stamp()}_\n\n```\n{output.strip()}\n```\n<!-- /bench:{name} -->"
    )


def rewrite(docs: str, output: str) -> tuple[str, list[str]]:
    """`docs` with each block found in `output` put in place of the block of that name (or
    appended, for a new one); the names replaced."""
    found = {m["name"]: m[0] for m in BLOCK.finditer(output)}
    for name, block in found.items():
        if re.search(rf"<!-- bench:{re.escape(name)} -->", docs):
            docs = _replace(docs, name, block)
        else:
            docs += f"\n{block}\n"
    return docs, list(found)


def _replace(docs: str, name: str, block: str) -> str:
    return BLOCK.sub(lambda m: block if m["name"] == name else m[0], docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="run only these (names as in SUITE)")
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args()
    print(f"# {stamp()}", flush=True)
    outputs = []
    for name, module in SUITE:
        if args.only and name not in args.only:
            continue
        began = time.monotonic()
        output, ok = run(module)
        if ok and not BLOCK.search(output):  # a script that prints lines, not tables
            output = as_block(name, output)
        print(output, flush=True)
        print(
            f"# {name}: {'ok' if ok else 'FAILED'} in {time.monotonic() - began:.0f} s", flush=True
        )
        outputs.append(output)
    if not args.no_write:
        docs, names = rewrite(DOCS.read_text(), "\n".join(outputs))
        DOCS.write_text(docs)
        print(f"# docs/benchmarks.md: {len(names)} tables rewritten ({', '.join(names)})")


if __name__ == "__main__":
    main()
