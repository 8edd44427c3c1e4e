"""The arq worker in this process (real Redis, real arq, the fakes): schedule checks enqueue
digests that are posted through each platform's ChatPort, built from its token alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from bot import keys
from bot.domain import ChannelRef
from bot.i18n import t
from bot.render import DIGEST_TITLE
from bot.web import Health
from bot.worker import running_worker
from tests.fakes.discord import CHANNEL_ID, TOKEN, FakeDiscord
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.harness import Harness, paperboy_app, sample_papers, until

NOW = "2024-03-18T09:00:00+00:00"  # Monday 09:00 UTC: the default schedule's run
ENV = {
    "PAPERBOY_TEST_NOW": NOW,
    "PAPERBOY_SCHEDULER_EVERY": 1,
    "PAPERBOY_SLACK_POST_INTERVAL": 0,
    "PAPERBOY_DIGEST_SIZE": 2,
}


async def run_worker_until(h: Harness, redis_url: str, condition: Callable[[], bool]) -> Health:
    health = Health(h.app.redis)
    ctx = {"settings": h.settings, "app": h.app, "health": health}
    async with running_worker(h.settings, redis_url, handle_signals=False, ctx=ctx):
        await until(condition)
        assert health.parts()["worker"].ok
    assert not health.parts()["worker"].ok  # reported stopped on the way out
    return health


async def test_worker_posts_a_due_slack_digest(redis_url: str) -> None:
    papers = sample_papers()
    with FakeSlack() as slack:
        async with paperboy_app(
            redis_url, papers=papers, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url, **ENV
        ) as h:
            h.hf.add(date(2024, 3, 12), *papers[:4])
            channel = ChannelRef(platform="slack", channel_id="C1")
            await h.app.channels.update(channel, language="ja")
            await run_worker_until(h, redis_url, lambda: len(slack.posted) >= 3)
    header = json.dumps(slack.posted[0]["blocks"], ensure_ascii=False)
    assert t(DIGEST_TITLE, "ja", week="2024年3月11日～17日") in header  # the days, in Japanese
    assert [p["channel"] for p in slack.posted] == ["C1"] * 3
    assert all(p.get("unfurl_links") in (False, "false", "0") for p in slack.posted)


async def test_worker_posts_a_due_discord_digest_without_a_gateway(redis_url: str) -> None:
    papers = sample_papers()
    with FakeDiscord() as discord:
        async with paperboy_app(
            redis_url, papers=papers, DISCORD_TOKEN=TOKEN, DISCORD_API_URL=discord.api_url, **ENV
        ) as h:
            h.hf.add(date(2024, 3, 12), *papers[:4])
            channel = ChannelRef(platform="discord", channel_id=CHANNEL_ID)
            await h.app.channels.update(channel, language="en")
            await run_worker_until(h, redis_url, lambda: len(discord.sent()) >= 3)
            team = await h.app.teams.team_of(channel)
            digest = keys.digest(team, channel.key, "2024-W12")
            assert await h.app.redis.exists(f"{digest}:done")
    assert "Mar 11\u2009–\u200917, 2024" in json.dumps(discord.sent()[0], ensure_ascii=False)
    assert discord.identified == []  # REST only: no gateway session was opened
