"""The Redis client every Paperboy process uses: redis-py's asyncio client, packing commands
with hiredis.

redis-py's synchronous client packs commands with hiredis's C packer when hiredis is installed;
its asyncio client always packs in Python, about 7 µs for a vote's EVALSHA against under 1 µs
(bench/slack_reactions_bench.py sends 25,000 of them). The connection classes below are
redis-py's own, with `pack_command` handed to redis-py's own `HiredisRespSerializer`, so the
bytes on the wire are the same (the tests check it against the Python packer).
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.connection import HiredisRespSerializer
from redis.typing import EncodableT
from redis.utils import HIREDIS_AVAILABLE

_PACKER = HiredisRespSerializer()


class _HiredisPacking(AbstractConnection):
    def pack_command(self, *args: EncodableT) -> list[bytes]:
        packed: list[bytes] = _PACKER.pack(*args)  # type: ignore[arg-type]
        return packed


class HiredisConnection(_HiredisPacking, Connection):
    pass


class HiredisUnixConnection(_HiredisPacking, UnixDomainSocketConnection):
    pass


class HiredisSSLConnection(_HiredisPacking, SSLConnection):
    pass


HIREDIS_CLASSES: dict[type[AbstractConnection], type[AbstractConnection]] = {
    Connection: HiredisConnection,
    UnixDomainSocketConnection: HiredisUnixConnection,
    SSLConnection: HiredisSSLConnection,
}


def connect(url: str, **options: Any) -> Redis:
    """`Redis.from_url(url, **options)` (redis://, rediss:// or unix://) with the hiredis
    packer."""
    client: Redis = Redis.from_url(url, **options)
    pool = client.connection_pool
    if HIREDIS_AVAILABLE:  # a dependency; without it, redis-py's Python packer stays
        pool.connection_class = HIREDIS_CLASSES.get(pool.connection_class, pool.connection_class)
    return client
