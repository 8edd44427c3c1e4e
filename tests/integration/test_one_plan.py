"""One channel view, one digest plan: every path builds the same digest.

After an admin changes a channel's sources, topics, size and language from chat, the preview in
chat, `paperboy digest --preview`, `paperboy digest --post` and the scheduled job all pick the
same papers in the same order and say the same thing. The clock is fixed at a Monday 09:00
(PAPERBOY_TEST_NOW), the default schedule's run, so "now" is the scheduled run everywhere.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from bot.commands import CommandContext
from bot.domain import ChannelRef, Digest, MessageRef
from bot.render import plain_text, render_digest
from bot.web import Health
from bot.worker import running_worker
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.harness import fake_env, paperboy_app, run_cli, sample_papers, until

NOW = "2024-03-18T09:00:00+00:00"  # Monday: the run covers Mar 11 - 17 (2024-W11)
TEAM = f"slack:{TEAM_ID}"
CHANNELS = ("C1", "C2")
ENV = {
    "PAPERBOY_TEST_NOW": NOW,
    "PAPERBOY_SCHEDULER_EVERY": 1,
    "PAPERBOY_SLACK_POST_INTERVAL": 0,
}
CHAT_SETUP = (
    "schedule sources hf",
    "topics reasoning, language models",
    "schedule size 3",
    "lang ko",
)


def admin(channel: str) -> CommandContext:
    return CommandContext(
        platform="slack",
        user="UADMIN",
        channel=ChannelRef(platform="slack", channel_id=channel),
        is_admin=True,
        team=TEAM,
    )


def posted_texts(slack: FakeSlack, channel: str) -> list[str]:
    return [post["text"] for post in slack.posts_in(channel)]


async def test_preview_cli_post_and_schedule_build_the_same_digest(redis_url: str) -> None:
    papers = sample_papers()
    with FakeSlack() as slack:
        async with paperboy_app(
            redis_url,
            papers=papers,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.api_url,
            **ENV,
        ) as h:
            h.hf.add(date(2024, 3, 12), *papers[:6])
            for channel in CHANNELS:
                for command in CHAT_SETUP:
                    reply = await h.app.command(admin(channel), command)
                    assert reply.ok, reply.text
            # C2 is posted by hand only: its schedule is off, its digest settings the same.
            assert (await h.app.command(admin("C2"), "schedule off")).ok
            for channel in CHANNELS:
                # Shared in the channel inside the window, but the channel reads Hugging Face only.
                await h.app.channels.record_shared(
                    TEAM,
                    MessageRef(channel=admin(channel).channel, message_id="1.1"),
                    [papers[7].arxiv_id],
                    at=datetime(2024, 3, 13, tzinfo=UTC),
                )
            plan = await h.app.services.plan(admin("C1").channel, TEAM)
            assert await h.app.channels.shared(TEAM, admin("C1").channel, plan.window) == {
                papers[7].arxiv_id: 1
            }

            # 1. `/paper digest preview` in chat.
            preview = await h.app.command(admin("C1"), "digest preview")
            chat_texts = [message.fallback for message in preview.messages]

            # 2. `paperboy digest --preview --channel slack:C1 --json`, another process.
            env = fake_env(
                redis_url,
                h.arxiv,
                h.hf,
                h.llm,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_API_URL=slack.api_url,
                **ENV,
            )
            cli = await asyncio.to_thread(
                run_cli, "digest", "--preview", "--channel", "slack:C1", "--json", env=env
            )
            assert cli.returncode == 0, cli.stderr
            cli_digest = json.loads(cli.stdout)
            cli_texts = [m.fallback for m in render_digest(Digest.model_validate(cli_digest))]

            # 3. The scheduled job posts in C1; 4. `paperboy digest --post` posts in C2.
            health = Health(h.app.redis)
            ctx = {"settings": h.settings, "app": h.app, "health": health}
            async with running_worker(h.settings, redis_url, handle_signals=False, ctx=ctx):
                await until(lambda: len(slack.posts_in("C1")) >= len(chat_texts))
            post = await asyncio.to_thread(
                run_cli, "digest", "--post", "--channel", "slack:C2", env=env
            )
            assert post.returncode == 0, post.stderr

    picks = [item.paper.arxiv_id for item in Digest.model_validate(cli_digest).items]
    assert cli_digest["picks"] == picks
    assert len(picks) == 3  # the size set in chat
    assert papers[7].arxiv_id not in picks  # shared, but sources are Hugging Face only
    assert chat_texts == cli_texts == posted_texts(slack, "C1") == posted_texts(slack, "C2")
    assert "2024년 3월 11일~17일" in chat_texts[0]  # the window, as Korean readers write dates
    assert all(item["summary"]["language"] == "ko" for item in cli_digest["items"])
    assert "posted 4 message(s) in slack:C2" in post.stdout


async def test_a_past_week_covers_only_that_week(redis_url: str) -> None:
    papers = sample_papers()
    cs_cl = {"categories": ("cs.CL",), "primary_category": "cs.CL"}
    inside = papers[0].model_copy(update={"published": datetime(2024, 1, 10, tzinfo=UTC), **cs_cl})
    after = papers[1].model_copy(update={"published": datetime(2024, 3, 13, tzinfo=UTC), **cs_cl})
    async with paperboy_app(redis_url, papers=[inside, after]) as h:
        channel = ChannelRef(platform="slack", channel_id="C9")
        reply = await h.app.command(
            CommandContext(platform="slack", user="U", channel=channel, is_admin=True, team=TEAM),
            "topics cs.CL",
        )
        assert reply.ok
        plan = await h.app.services.plan(channel, TEAM, week="2024-W02")
        digest = await h.app.digests.build(plan)
        queries = [q for q in h.arxiv.search_queries() if "submittedDate" in q]
    assert [item.paper.arxiv_id for item in digest.items] == [inside.arxiv_id]
    assert "submittedDate:[202401080000 TO 202401150000]" in queries[0]  # ends with the week
    text = plain_text(render_digest(digest)[0])
    assert "Jan 8\u2009–\u200914, 2024" in text
