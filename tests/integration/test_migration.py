"""Data stored before teams existed moves into its install's team, once, losing nothing.

The first layout is seeded exactly as the old code wrote it (one global ledger, message maps and
channel settings without a team); the new code is started twice against the Slack and Discord
fakes, which tell the workspace (`auth.test`) and each channel's server (`GET /channels/{id}`).
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.app import Paperboy
from bot.domain import ChannelRef, MessageRef, Tally
from bot.services.migrate import LAYOUT
from tests.fakes.discord import CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.harness import FakeArxiv, FakeHuggingFace, fake_settings

P, Q = "2403.09629", "2403.05313"
SLACK = f"slack:{TEAM_ID}"
DISCORD = f"discord:{GUILD_ID}"
SLACK_MSG = "slack:C1:1710460800.000200"
DISCORD_MSG = f"discord:{CHANNEL_ID}:1200000000000000001"


async def seed_old_layout(redis: Redis) -> None:
    """What the first layout held after a week of use on both platforms."""
    await redis.hset("pb:vote:" + P, mapping={"slack:U1": "+1|2024-W11", "slack:U2": "-1|2024-W11"})
    await redis.hset("pb:vote:" + P, "discord:42", "+1|2024-W11")
    await redis.hset("pb:vote:" + Q, "discord:42", "+1|2024-W10")
    await redis.hset(f"pb:rx:{P}:slack:U1", mapping={"👍": "+1:1", "🔥": "+1:3"})
    await redis.hset(f"pb:rx:{P}:slack:U2", "👎", "-1:2")
    await redis.hset(f"pb:rx:{P}:discord:42", "👍", "+1:4")
    await redis.hset(f"pb:rx:{Q}:discord:42", "👍", "+1:5")
    await redis.hset("pb:tally:" + P, mapping={"up": 2, "down": 1})
    await redis.hset("pb:tally:" + Q, "up", 1)
    await redis.zadd("pb:lb:all", {P: 1, Q: 1})
    await redis.zadd("pb:lb:week:2024-W11", {P: 1})
    await redis.hset("pb:wtally:2024-W11", mapping={f"{P}:up": 2, f"{P}:down": 1})
    await redis.set("pb:rxseq", 5)
    await redis.set(f"pb:msg:{SLACK_MSG}", P, ex=3600)
    await redis.set(f"pb:msg:{DISCORD_MSG}", P, ex=3600)
    await redis.set("pb:chan:slack:C1", '{"language": "ko", "digest_size": 5}')
    await redis.set(f"pb:chan:discord:{CHANNEL_ID}", '{"topics": ["agents"]}')
    await redis.sadd("pb:channels", "slack:C1", f"discord:{CHANNEL_ID}")
    await redis.set("pb:digest:slack:C1:2024-W12:done", b"1")


async def test_old_data_moves_into_its_team_once(
    redis_url: str, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_old_layout(redis)
    caplog.set_level(logging.INFO, logger="bot.services.migrate")
    with (
        FakeSlack() as slack,
        FakeDiscord() as discord,
        FakeArxiv([]) as arxiv,
        FakeHuggingFace() as hf,
    ):
        settings = fake_settings(
            redis_url,
            arxiv,
            hf,
            None,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.api_url,
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_URL=discord.api_url,
        )
        for _ in range(2):  # started twice: the second start changes nothing
            async with AsyncExitStack() as stack:
                app = await stack.enter_async_context(
                    Paperboy.open(settings, platforms=["slack", "discord"])
                )
                await check_everything_is_there_once(app)
    assert sum("migrated data stored before teams" in r.message for r in caplog.records) == 1
    assert await redis.get(keys.LAYOUT) == LAYOUT.encode()
    left = {k.decode() async for k in redis.scan_iter(match="pb:*")}
    assert {k for k in left if not k.startswith("pb:t:")} == {
        keys.LAYOUT,
        keys.CHANNELS,
        keys.INSTALLS,
    }  # every record of the old layout moved; nothing else was written outside the teams


async def check_everything_is_there_once(app: Paperboy) -> None:
    votes, teams, channels = app.votes, app.teams, app.channels
    assert await votes.tally((SLACK,), P) == Tally(up=1, down=1)
    assert await votes.tally((DISCORD,), P) == Tally(up=1)
    assert await votes.tally((DISCORD,), Q) == Tally(up=1)
    assert await votes.leaderboard((DISCORD,), "2024-W10") == [(Q, Tally(up=1))]
    assert await votes.leaderboard((SLACK, DISCORD), None) == [  # net +1 each: by id
        (Q, Tally(up=1)),
        (P, Tally(up=2, down=1)),
    ]
    # U1's reactions keep their order: removing the 🔥 leaves the 👍, still one up vote.
    slack_msg = MessageRef.model_validate(
        {"channel": {"platform": "slack", "channel_id": "C1"}, "message_id": "1710460800.000200"}
    )
    change = await votes.record_reaction(SLACK, slack_msg, "U1", "🔥", 1, added=False)
    assert change is not None
    assert (change.previous, change.current) == (1, 1)
    change = await votes.record_reaction(SLACK, slack_msg, "U1", "🔥", 1, added=True)
    assert change is not None
    assert change.tally == Tally(up=1, down=1)
    assert await channels.paper_for(SLACK, slack_msg) == P
    discord_channel = ChannelRef(platform="discord", channel_id=CHANNEL_ID)
    discord_msg = MessageRef(channel=discord_channel, message_id="1200000000000000001")
    assert await channels.paper_for(DISCORD, discord_msg) == P
    slack_view = await channels.view(ChannelRef(platform="slack", channel_id="C1"))
    assert (slack_view.team, slack_view.language, slack_view.digest_size) == (SLACK, "ko", 5)
    discord_view = await channels.view(discord_channel)
    assert (discord_view.team, discord_view.topics) == (DISCORD, ("agents",))
    assert sorted(v.channel.key for v in await channels.views() if v.channel) == sorted(
        ["slack:C1", f"discord:{CHANNEL_ID}"]
    )
    assert await app.redis.exists(keys.digest(SLACK, "slack:C1", "2024-W12") + ":done")
    assert await teams.install("slack") == SLACK


async def test_a_channel_set_up_before_its_team_was_known_joins_it(redis_url: str) -> None:
    """`paperboy schedule set slack:C9` before any adapter ran: the channel waits in Slack's
    unassigned team, then moves (settings and all) into the workspace once Slack is reached."""
    with FakeSlack() as slack, FakeArxiv([]) as arxiv, FakeHuggingFace() as hf:
        offline = fake_settings(redis_url, arxiv, hf, None)
        channel = ChannelRef(platform="slack", channel_id="C9")
        async with Paperboy.open(offline) as app:
            view = await app.channels.update(channel, language="ja", digest_size=4)
            assert view.team == "slack:_"
        online = fake_settings(
            redis_url, arxiv, hf, None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url
        )
        async with Paperboy.open(online, platforms=["slack"]) as app:
            view = await app.channels.view(channel)
    assert (view.team, view.language, view.digest_size) == (SLACK, "ja", 4)
