from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.domain import ChannelRef, MessageRef
from bot.errors import RateLimited
from bot.services.channels import ChannelStore
from bot.services.guards import Guards

CH = ChannelRef(platform="slack", channel_id="C2147483705")


async def test_message_map_resolves_reactions_to_papers(redis: Redis) -> None:
    store = ChannelStore(redis)
    ref = MessageRef(channel=CH, message_id="1710460800.000200")
    assert await store.paper_for(ref) is None
    await store.map_message(ref, "2403.09629")
    assert await store.paper_for(ref) == "2403.09629"
    other = MessageRef(
        channel=ChannelRef(platform="discord", channel_id="C2147483705"),
        message_id="1710460800.000200",
    )
    assert await store.paper_for(other) is None
    assert 0 < await redis.ttl(f"pb:msg:{ref.key}") <= 400 * 86400


async def test_shared_papers_are_counted_per_week(redis: Redis) -> None:
    store = ChannelStore(redis)
    at = datetime(2024, 3, 13, tzinfo=UTC)
    await store.record_shared(CH, ["2403.09629", "2403.09629", "2403.05313"], at=at)
    await store.record_shared(CH, ["2403.09629"], at=at)
    assert await store.shared(CH, "2024-W11") == {"2403.09629": 2, "2403.05313": 1}
    assert await store.shared(CH, "2024-W12") == {}


async def test_channel_config_round_trip_and_validation(redis: Redis) -> None:
    store = ChannelStore(redis)
    assert (await store.config(CH)).language is None
    updated = await store.update_config(CH, language="ko", topics=("llm", "diffusion"))
    assert updated.language == "ko"
    assert (await store.config(CH)).topics == ("llm", "diffusion")
    assert await store.known_channels() == [CH]
    with pytest.raises(ValueError, match="language"):
        await store.update_config(CH, language="xx")


async def test_event_ids_count_once(redis: Redis) -> None:
    guards = Guards(redis)
    assert await guards.first_time("slack", "Ev06QZ8K2R9A")
    assert not await guards.first_time("slack", "Ev06QZ8K2R9A")
    assert await guards.first_time("discord", "Ev06QZ8K2R9A")


async def test_rate_limit_is_polite_and_per_user(redis: Redis) -> None:
    guards = Guards(redis)
    for _ in range(3):
        await guards.check_rate("slack:U1", 3)
    with pytest.raises(RateLimited, match="try again in about 60 minutes") as info:
        await guards.check_rate("slack:U1", 3)
    assert info.value.retry_after > 3000
    await guards.check_rate("slack:U2", 3)
    await guards.check_rate("slack:U1", 0)  # 0 = unlimited
