"""Every kind of Redis failure reaches a CLI user as one line naming REDIS_URL, password masked,
exit code 1: against a real `redis-server --requirepass`, a refused port, an unresolvable host,
a port that accepts and never answers, and a URL redis-py cannot parse."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from bot.services.redis_server import find_redis_server
from tests.harness import run_cli
from tests.resilience.conftest import stop

PASSWORD = "s3cret-Pa55word"
WRONG = "wrong-Pa55word"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def guarded_port() -> Iterator[int]:
    """A real redis-server that wants PASSWORD, on a free loopback port."""
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--requirepass", PASSWORD]
    server = subprocess.Popen(
        [find_redis_server(), *args, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_answering(port)
        yield port
    finally:
        stop(server)


def _wait_answering(port: int) -> None:
    client = sync_redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=1)
    try:
        for _ in range(500):
            try:
                client.ping()
                return
            except sync_redis.ConnectionError:
                time.sleep(0.02)
        pytest.fail("the password-protected redis-server did not start")
    finally:
        client.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose listener never accepts nor answers: connects succeed, reads time out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def assert_one_line(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    output = done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, output
    assert len(lines) == 1, output
    assert "Traceback" not in output
    for part in ("REDIS_URL=", *expected):
        assert part in lines[0], output
    return lines[0]


def leaderboard(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"REDIS_URL": url, "PAPERBOY_DATA_DIR": str(tmp_path / "data")}
    return run_cli("leaderboard", "--json", env=env)


def test_wrong_password(guarded_port: int, tmp_path: Path) -> None:
    done = leaderboard(f"redis://:{WRONG}@127.0.0.1:{guarded_port}/0", tmp_path)
    line = assert_one_line(done, "refused the credentials", ":***@127.0.0.1")
    assert WRONG not in done.stdout + done.stderr, line


def test_password_missing(guarded_port: int, tmp_path: Path) -> None:
    done = leaderboard(f"redis://127.0.0.1:{guarded_port}/0", tmp_path)
    assert_one_line(done, "refused the credentials")


def test_password_in_the_query_is_masked(guarded_port: int, tmp_path: Path) -> None:
    done = leaderboard(f"redis://127.0.0.1:{guarded_port}/0?password={WRONG}", tmp_path)
    assert_one_line(done, "refused the credentials", "password=***")
    assert WRONG not in done.stdout + done.stderr


def test_refused(tmp_path: Path) -> None:
    done = leaderboard(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0", tmp_path)
    assert_one_line(done, "is unreachable", "redis://:***@127.0.0.1:")
    assert PASSWORD not in done.stdout + done.stderr


def test_unknown_host(tmp_path: Path) -> None:
    # .invalid never resolves (RFC 6761): the lookup fails without reaching any server
    done = leaderboard(f"redis://:{PASSWORD}@paperboy-redis.invalid:6379/0", tmp_path)
    assert_one_line(done, "is unreachable", "paperboy-redis.invalid")
    assert PASSWORD not in done.stdout + done.stderr


def test_silent_server_times_out(silent_port: int, tmp_path: Path) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{silent_port}/0?socket_timeout=0.5"
    done = leaderboard(url, tmp_path)
    assert_one_line(done, "timed out")
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.parametrize("command", [("leaderboard", "--json"), ("worker",), ("redis", "status")])
def test_unparsable_url(command: tuple[str, ...], tmp_path: Path) -> None:
    env = {
        "REDIS_URL": f"redis://:{PASSWORD}@localhost:notaport/0",
        "PAPERBOY_DATA_DIR": str(tmp_path / "data"),
        "PAPERBOY_HEALTH_PORT": "0",
    }
    done = run_cli(*command, env=env)
    assert_one_line(done, "is not a valid Redis URL", "redis://:***@localhost:notaport/0")
    assert PASSWORD not in done.stdout + done.stderr


def test_redis_status_names_the_failure(guarded_port: int, tmp_path: Path) -> None:
    env = {"REDIS_URL": f"redis://:{WRONG}@127.0.0.1:{guarded_port}/0"}
    done = run_cli("redis", "status", env=env | {"PAPERBOY_DATA_DIR": str(tmp_path)})
    assert_one_line(done, "refused the credentials")
    assert WRONG not in done.stdout + done.stderr
