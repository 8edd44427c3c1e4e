"""`paperboy --help` and every command pay for the imports of `bot.cli.main`: the heavy SDKs load
only in the commands that use them (docs/benchmarks.md, "CLI start")."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.harness import ROOT, clean_environ

HEAVY = ("openai", "discord", "slack_bolt", "slack_sdk", "arq", "aiohttp", "prometheus_client")


def loaded_after(statement: str) -> set[str]:
    """The HEAVY packages present in `sys.modules` after `statement`, in a fresh interpreter."""
    probe = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=clean_environ(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = json.loads(done.stdout.splitlines()[-1])
    return {name for name in modules if name.partition(".")[0] in HEAVY}


def test_importing_the_cli_loads_no_llm_platform_or_queue_sdk() -> None:
    assert loaded_after("import bot.cli.main") == set()


def test_the_probe_sees_an_sdk_that_is_imported() -> None:
    """The check above can fail: the same probe finds the SDK once something imports it."""
    assert "openai" in loaded_after("import bot.cli.main, openai")
