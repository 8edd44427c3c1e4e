"""`paperboy --help` and every command pay for the imports of `bot.cli.main`: the heavy SDKs load
only in the commands that use them (docs/benchmarks.md, "CLI start")."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.harness import ROOT, clean_environ

HEAVY = ("openai", "discord", "slack_bolt", "slack_sdk", "arq", "aiohttp", "prometheus_client")
# What a command reading only the stores does not use: the HTTP client, the composition root
# and the chat commands, the event loop of servers, the terminal renderer, the CLDR data.
NOT_FOR_STORES = (*HEAVY, "httpx", "uvloop", "rich", "babel", "bot.app", "bot.commands")


def loaded_after(
    statement: str, heavy: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None
) -> set[str]:
    """The `heavy` modules (packages, or `bot.` sub-packages) present in `sys.modules` after
    `statement`, in a fresh interpreter."""
    probe = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**clean_environ(), **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = json.loads(done.stdout.splitlines()[-1])
    return {name for name in modules if _family(name) in heavy}


def _family(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


def test_importing_the_cli_loads_no_llm_platform_or_queue_sdk() -> None:
    assert loaded_after("import bot.cli.main") == set()


def test_the_probe_sees_an_sdk_that_is_imported() -> None:
    """The check above can fail: the same probe finds the SDK once something imports it."""
    assert "openai" in loaded_after("import bot.cli.main, openai")


def test_a_json_leaderboard_loads_only_the_stores(redis_url: str) -> None:
    """`paperboy leaderboard --all --json` runs on `bot.stores` alone (`bot/stores.py`)."""
    run = (
        "from bot.cli.main import app; sys.argv = ['paperboy', 'leaderboard', '--all', '--json']"
        "; app(standalone_mode=False)"
    )
    assert loaded_after(run, NOT_FOR_STORES, {"REDIS_URL": redis_url}) == set()


def test_the_store_probe_sees_the_composition_root() -> None:
    assert "bot.app" in loaded_after("import bot.app", NOT_FOR_STORES)
