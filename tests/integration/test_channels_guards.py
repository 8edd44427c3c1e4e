from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.domain import ChannelRef, MessageRef
from bot.errors import RateLimited
from bot.services.guards import Guards
from bot.window import window_of_week
from tests.harness import channel_store

CH = ChannelRef(platform="slack", channel_id="C2147483705")
TEAM, OTHER_TEAM = "slack:T0001", "slack:T0002"


async def test_message_map_resolves_reactions_to_papers(redis: Redis) -> None:
    store = channel_store(redis)
    ref = MessageRef(channel=CH, message_id="1710460800.000200")
    assert await store.paper_for(TEAM, ref) is None
    await store.map_message(TEAM, ref, "2403.09629")
    assert await store.paper_for(TEAM, ref) == "2403.09629"
    assert await store.paper_for(OTHER_TEAM, ref) is None  # another team's map
    other = MessageRef(
        channel=ChannelRef(platform="discord", channel_id="C2147483705"),
        message_id="1710460800.000200",
    )
    assert await store.paper_for(TEAM, other) is None
    assert 0 < await redis.ttl(keys.message(TEAM, ref.key)) <= 400 * 86400


async def test_shared_papers_are_counted_per_window(redis: Redis) -> None:
    store = channel_store(redis)
    at = datetime(2024, 3, 13, tzinfo=UTC)
    first, second = (MessageRef(channel=CH, message_id=ts) for ts in ("1.1", "1.2"))
    await store.record_shared(TEAM, first, ["2403.09629", "2403.09629", "2403.05313"], at=at)
    await store.record_shared(TEAM, second, ["2403.09629"], at=at)
    await store.record_shared(TEAM, second, ["2403.09629"], at=at)  # a redelivery: once
    utc = ZoneInfo("UTC")
    w11, w12 = window_of_week("2024-W11", utc), window_of_week("2024-W12", utc)
    assert await store.shared(TEAM, CH, w11) == {"2403.09629": 2, "2403.05313": 1}
    assert await store.shared(TEAM, CH, w12) == {}
    assert await store.shared(OTHER_TEAM, CH, w11) == {}


async def test_channel_config_round_trip_and_validation(redis: Redis) -> None:
    store = channel_store(redis)
    assert (await store.view(CH, TEAM)).stored.language is None
    updated = await store.update(CH, TEAM, language="ko", topics=("llm", "diffusion"))
    assert updated.language == "ko"
    assert (await store.view(CH, TEAM)).topics == ("llm", "diffusion")
    assert [view.channel for view in await store.views()] == [CH]
    assert (await store.view(CH)).team == TEAM  # the registry knows the channel's team now
    with pytest.raises(ValueError, match="language"):
        await store.update(CH, TEAM, language="xx")


async def test_event_ids_count_once(redis: Redis) -> None:
    guards = Guards(redis)
    assert await guards.first_time("slack", "Ev06QZ8K2R9A")
    assert not await guards.first_time("slack", "Ev06QZ8K2R9A")
    assert await guards.first_time("discord", "Ev06QZ8K2R9A")


async def test_rate_limit_is_polite_and_per_user(redis: Redis) -> None:
    guards = Guards(redis)
    for _ in range(3):
        await guards.check_rate(TEAM, "slack:U1", 3)
    with pytest.raises(RateLimited, match="try again in about 60 minutes") as info:
        await guards.check_rate(TEAM, "slack:U1", 3)
    assert info.value.retry_after > 3000
    await guards.check_rate(TEAM, "slack:U2", 3)
    await guards.check_rate(OTHER_TEAM, "slack:U1", 3)  # counted per team
    await guards.check_rate(TEAM, "slack:U1", 0)  # 0 = unlimited
