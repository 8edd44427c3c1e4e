"""`/paper schedule` and `/paper topics` through the real core (harness: real Redis, fakes)."""

from __future__ import annotations

from bot.commands import CommandContext, Reply
from bot.domain import ChannelRef
from bot.render import plain_text
from bot.services.channels import ChannelConfig
from tests.harness import Harness, paperboy_app

CH = ChannelRef(platform="slack", channel_id="C42")
TEAM = "slack:T0001"
ADMIN = CommandContext(platform="slack", user="UADMIN", channel=CH, is_admin=True, team=TEAM)
MEMBER = CommandContext(platform="slack", user="UMEMBER", channel=CH, team=TEAM)


async def stored(h: Harness) -> ChannelConfig:
    """What the channel stored (its overrides), as the one channel view reads it."""
    return (await h.app.channels.view(CH, TEAM)).stored


NOW = "2024-03-13T12:00:00+00:00"  # a Wednesday


def text(reply: Reply) -> str:
    return " ".join([reply.text or "", *(plain_text(m) for m in reply.messages)])


async def test_set_show_and_turn_off_a_schedule(redis_url: str) -> None:
    async with paperboy_app(redis_url, PAPERBOY_TEST_NOW=NOW) as h:
        reply = await h.app.command(ADMIN, 'schedule "0 9 * * MON" Asia/Seoul')
        assert reply.ok, reply.text
        assert "next digest Mon, Mar 18, 2024 09:00 KST" in text(reply)
        config = await stored(h)
        assert (config.schedule, config.timezone, config.digests) == (
            "0 9 * * MON",
            "Asia/Seoul",
            True,
        )
        assert CH in [view.channel for view in await h.app.channels.views()]
        assert await h.app.teams.team_of(CH) == TEAM

        shown = await h.app.command(ADMIN, "schedule")
        assert shown.ephemeral
        assert "`0 9 * * MON` (Asia/Seoul)" in text(shown)

        off = await h.app.command(ADMIN, "schedule off")
        assert "off" in text(off)
        assert not (await stored(h)).digests
        assert "Weekly digests are off" in text(await h.app.command(ADMIN, "schedule"))
        await h.app.command(ADMIN, "schedule on")
        assert (await stored(h)).digests


async def test_unquoted_cron_and_smart_quotes(redis_url: str) -> None:
    async with paperboy_app(redis_url, PAPERBOY_TEST_NOW=NOW) as h:
        assert (await h.app.command(ADMIN, "schedule 30 17 * * FRI Europe/Berlin")).ok
        assert (await stored(h)).schedule == "30 17 * * FRI"
        assert (await h.app.command(ADMIN, "schedule “0 8 * * TUE”")).ok
        config = await stored(h)
        assert (config.schedule, config.timezone) == ("0 8 * * TUE", "Europe/Berlin")


async def test_default_schedule_uses_the_configured_timezone(redis_url: str) -> None:
    async with paperboy_app(
        redis_url, PAPERBOY_TEST_NOW=NOW, PAPERBOY_TIMEZONE="America/New_York"
    ) as h:
        shown = text(await h.app.command(ADMIN, "schedule"))
        assert "`0 9 * * MON` (America/New_York) (the default)" in shown
        assert "Mon, Mar 18, 2024 09:00 EDT" in shown


async def test_bad_cron_or_zone_is_a_clear_message(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        bad_cron = await h.app.command(ADMIN, 'schedule "0 25 * * MON"')
        assert not bad_cron.ok
        assert bad_cron.ephemeral
        assert "five fields" in (bad_cron.text or "")
        bad_zone = await h.app.command(ADMIN, 'schedule "0 9 * * MON" Seoul')
        assert not bad_zone.ok
        assert "Asia/Seoul" in (bad_zone.text or "")
        assert not (await h.app.command(ADMIN, 'schedule "0 9 * * MON')).ok  # unbalanced
        assert await stored(h) == ChannelConfig()  # nothing stored


async def test_members_cannot_change_or_see_the_schedule(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        for command in ("schedule off", "schedule", "topics llm"):
            reply = await h.app.command(MEMBER, command)
            assert not reply.ok
            assert "admins" in (reply.text or "")
        assert await stored(h) == ChannelConfig()


async def test_size_and_sources(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        assert (await h.app.command(ADMIN, "schedule size 5")).ok
        assert not (await h.app.command(ADMIN, "schedule size 99")).ok
        assert (await h.app.command(ADMIN, "schedule sources huggingface, shared")).ok
        config = await stored(h)
        assert (config.digest_size, config.sources) == (5, ("hf", "shared"))
        assert not (await h.app.command(ADMIN, "schedule sources twitter")).ok
        assert (await h.app.command(ADMIN, "schedule sources all")).ok
        assert (await stored(h)).sources == ()


async def test_topics_split_keywords_and_arxiv_categories(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        reply = await h.app.command(ADMIN, "topics LLM agents, diffusion cs.cv, stat.ML")
        assert reply.ok
        config = await stored(h)
        assert config.topics == ("llm agents", "diffusion")
        assert config.categories == ("cs.CV", "stat.ML")
        assert "cs.CV" in text(await h.app.command(ADMIN, "topics"))
        await h.app.command(ADMIN, "topics clear")
        cleared = await stored(h)
        assert (cleared.topics, cleared.categories) == ((), ())


async def test_help_lists_the_new_commands(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        shown = text(await h.app.command(MEMBER, "help"))
        assert "/paper schedule" in shown
        assert "/paper topics" in shown
