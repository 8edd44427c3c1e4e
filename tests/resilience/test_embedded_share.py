"""The embedded Redis (REDIS_URL unset) is one server per data directory, shared by real
`paperboy` processes: commands racing to start it share one server, a command's exit never stops
the server another process uses, the last one out stops it, and a failed start leaves no
process behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.services.redis_server import find_redis_server
from tests.fakes.openai import default_respond
from tests.harness import clean_environ, run_cli
from tests.resilience.conftest import ROOT, Deployment, stop, until
from tests.resilience.test_run import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
SECRET = "test-signing-secret"


def servers_of(data: Path) -> list[int]:
    """Pids of the live redis-servers using `data` (their command line names its socket)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"redis-server" in cmdline and os.fsencode(data) in cmdline:
            found.append(int(proc.name))
    return found


def never_two_at_once(log: Path) -> set[str]:
    """Replay the server log of a data directory: fail if a server started while another ran.
    Returns the pids still running at the end of the log."""
    live: set[str] = set()
    for line in log.read_text().splitlines():
        pid = line.split(":", 1)[0]
        if "Redis is starting" in line:
            assert not live, f"server {pid} started while {live} ran:\n{log.read_text()}"
            live.add(pid)
        elif "ready to exit" in line:
            live.discard(pid)
    return live


def embedded_env(data: Path, **values: Any) -> dict[str, str]:
    env = {"PAPERBOY_DATA_DIR": str(data), "PAPERBOY_HEALTH_PORT": "0"}
    return env | {k: str(v) for k, v in values.items()}


def test_two_commands_racing_on_a_fresh_data_dir_share_one_server(tmp_path: Path) -> None:
    for round_ in range(10):
        data = tmp_path / f"round{round_}"
        with ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(run_cli, "leaderboard", "--json", env=embedded_env(data))]
            runs.append(pool.submit(run_cli, "leaderboard", "--json", env=embedded_env(data)))
            done = [run.result() for run in runs]
        for one in done:
            assert one.returncode == 0, f"round {round_}: {one.stdout}{one.stderr}"
            assert one.stdout.strip() == "[]"  # leaderboard --json: an empty list
        assert servers_of(data) == [], f"round {round_}: the last command out stops the server"
        assert never_two_at_once(data / "redis.log") == set()


def start(deployment: Deployment, *args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`python -m bot <args>` with the deployment's fakes but no REDIS_URL: the embedded Redis."""
    log = deployment.tmp / f"proc{len(deployment.procs)}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deployment.procs.append(proc)
    deployment.logs.append(log)
    return proc


async def healthz(port: int) -> dict[str, Any]:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as answer,
        ):
            return dict(await answer.json()) | {"status": answer.status}
    except aiohttp.ClientError:
        return {}


async def wait_healthy(port: int, deployment: Deployment) -> None:
    for _ in range(600):
        if await healthz(port):
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"the bot never answered /healthz\n{deployment.output()[-6000:]}")


async def test_a_command_exiting_leaves_the_server_of_a_running_bot(
    deployment: Deployment,
) -> None:
    data = deployment.tmp / "data"
    env = deployment.env(PAPERBOY_DATA_DIR=data, SLACK_SIGNING_SECRET=SECRET)
    del env["REDIS_URL"]
    answer_now = threading.Event()

    def answer_once_the_bot_runs(body: dict[str, Any]) -> dict[str, Any] | str:
        answer_now.wait(60)
        return default_respond(body)

    deployment.llm.respond = answer_once_the_bot_runs
    try:  # the command starts the server and is still running when the bot joins it
        command = start(deployment, "paper", deployment.papers[0].arxiv_id, env=env)
        await until(lambda: deployment.llm.chat_calls() > 0, deployment, what="the slow /paper")
        port = free_port()
        bot = start(deployment, "run", "slack", "--http", "--port", str(port), env=env)
        await wait_healthy(port, deployment)
    finally:
        answer_now.set()
    assert await asyncio.to_thread(command.wait, 60) == 0, deployment.output()

    assert bot.poll() is None, deployment.output()
    assert (await healthz(port)).get("redis") == "ok", deployment.output()
    status = run_cli("redis", "status", env=embedded_env(data))
    assert "up at unix://" in status.stdout, status
    assert "in use" in status.stdout, status
    refused = run_cli("redis", "stop", env=embedded_env(data))
    assert refused.returncode == 1, refused
    assert "in use" in refused.stderr, refused
    assert len(servers_of(data)) == 1

    stop(bot)
    assert bot.returncode == 0, deployment.output()
    assert servers_of(data) == [], "the last process out stops the server"
    assert "Traceback" not in deployment.output()


def test_a_failed_start_leaves_no_process(tmp_path: Path) -> None:
    # A redis-server that starts but listens elsewhere: it never answers on the data dir's socket.
    data = tmp_path / "data"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "redis-server"
    wrapper.write_text(
        f'#!/bin/sh\nexec {find_redis_server()} "$@" --unixsocket {tmp_path}/elsewhere.sock\n'
    )
    wrapper.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{clean_environ()['PATH']}"
    try:
        done = run_cli("leaderboard", "--json", env=embedded_env(data, PATH=path))
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 1, done.stderr
        assert len(lines) == 1, done.stderr
        assert "did not answer" in lines[0], done.stderr
        assert servers_of(tmp_path) == []
    finally:
        for pid in servers_of(tmp_path):  # what a failing start left behind
            os.kill(pid, signal.SIGKILL)


def test_redis_stop_stops_a_server_nobody_uses(tmp_path: Path) -> None:
    # A user killed with SIGKILL never leaves: its server stays until `paperboy redis stop`.
    data = tmp_path / "data"
    code = "import sys, time; from bot.services.redis_server import EmbeddedRedis as E; "
    code += "E(__import__('pathlib').Path(sys.argv[1])).start(); print('up', flush=True); "
    code += "time.sleep(60)"
    user = subprocess.Popen(
        [sys.executable, "-c", code, str(data)], cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        assert user.stdout is not None
        assert user.stdout.readline() == b"up\n"
        stop(user, signal.SIGKILL)
        assert len(servers_of(data)) == 1
        status = run_cli("redis", "status", env=embedded_env(data))
        assert "up at unix://" in status.stdout, status
        assert "unused" in status.stdout, status
        done = run_cli("redis", "stop", env=embedded_env(data))
        assert done.returncode == 0, done
        assert "stopped" in done.stdout, done
        assert servers_of(data) == []
        after = run_cli("redis", "status", env=embedded_env(data))
        assert "not running" in after.stdout, after
    finally:
        stop(user, signal.SIGKILL)
        for pid in servers_of(data):
            os.kill(pid, signal.SIGKILL)
