"""Reactions on Paperboy's paper messages become votes, through discord.py's raw events."""

from __future__ import annotations

from redis.asyncio import Redis

from adapters.discord.translate import message_ref
from bot.domain import ChannelRef, MessageRef, ReactionChanged, Tally
from tests.adapters.discord.conftest import TEAM, Bot, handled, running, tally
from tests.fakes.discord import CHANNEL_ID, FakeDiscord
from tests.harness import paperboy_app, user_vote

PAPER = "2403.09629"


async def paper_message(bot: Bot) -> str:
    """Post the paper with `/paper` (the real flow) and return its message id."""
    async with handled(bot.client, "interaction"):
        interaction_id = await bot.discord.slash(PAPER)
    original = bot.discord.original(interaction_id)
    assert original is not None
    return str(original["id"])


async def react(
    bot: Bot,
    message_id: str,
    emoji: str,
    *,
    by: str = "haruka",
    added: bool = True,
    custom_id: str | None = None,
) -> None:
    event = "raw_reaction_add" if added else "raw_reaction_remove"
    async with handled(bot.client, event):
        await bot.discord.react(message_id, emoji, by=by, added=added, custom_id=custom_id)


async def test_votes_are_added_switched_and_removed(bot: Bot) -> None:
    message_id = await paper_message(bot)
    await react(bot, message_id, "👍")
    assert await tally(bot.app, PAPER) == Tally(up=1)
    await react(bot, message_id, "👎")  # switching: one vote per user, the latest reaction
    assert await tally(bot.app, PAPER) == Tally(down=1)
    await react(bot, message_id, "👎", added=False)  # the 👍 is still on the message
    assert await tally(bot.app, PAPER) == Tally(up=1)
    await react(bot, message_id, "👍", added=False)
    assert await tally(bot.app, PAPER) == Tally()
    assert await user_vote(bot.app.redis, TEAM, PAPER, "803912331233886208") == 0


async def test_skin_tones_variation_selectors_and_aliases_count(bot: Bot) -> None:
    message_id = await paper_message(bot)
    await react(bot, message_id, "👍🏽", by="haruka")
    await react(bot, message_id, "⬆️", by="mod")
    await react(bot, message_id, "🔥", by="owner")
    await react(bot, message_id, "👎🏿", by="clubber")
    await react(bot, message_id, "🎉", by="clubber")  # not a vote emoji: ignored
    assert await tally(bot.app, PAPER) == Tally(up=3, down=1)


async def test_the_bots_own_reactions_are_ignored(bot: Bot) -> None:
    message_id = await paper_message(bot)
    await react(bot, message_id, "👍", by="bot")
    await react(bot, message_id, "👎", by="bot")
    assert await tally(bot.app, PAPER) == Tally()


async def test_reactions_on_other_messages_are_not_votes(bot: Bot) -> None:
    other = await bot.discord.say("just chatting")
    await react(bot, other, "👍")
    assert await tally(bot.app, PAPER) == Tally()


async def test_one_users_quick_add_remove_sequence_lands_in_order(bot: Bot) -> None:
    message_id = await paper_message(bot)
    # Waiting for the last add is enough: one user's events are applied one after the other.
    burst = []
    for _ in range(10):
        burst += [
            bot.discord.reaction(message_id, "👍"),
            bot.discord.reaction(message_id, "👍", added=False),
        ]
    burst.append(bot.discord.reaction(message_id, "👎"))
    async with handled(bot.client, "raw_reaction_add", count=11):
        await bot.discord.push_many(burst)
    assert await tally(bot.app, PAPER) == Tally(down=1)


async def test_votes_on_a_message_posted_before_a_restart_count(
    redis_url: str, redis: Redis, fake_discord: FakeDiscord
) -> None:
    async with paperboy_app(redis_url) as h:
        async with running(h.app, fake_discord) as first, handled(first, "interaction"):
            interaction_id = await fake_discord.slash(PAPER)
        original = fake_discord.original(interaction_id)
        assert original is not None
        message_id = int(original["id"])
    # A new process: new app, new client, empty caches; only Redis remembers the message.
    async with paperboy_app(redis_url) as h, running(h.app, fake_discord) as fresh:
        assert all(m.id != message_id for m in fresh.cached_messages)
        assert (
            await h.app.channels.paper_for(TEAM, message_ref(int(CHANNEL_ID), message_id)) == PAPER
        )
        async with handled(fresh, "raw_reaction_add"):
            await fake_discord.react(str(message_id), "🔥", by="mod")
        assert await tally(h.app, PAPER) == Tally(up=1)
        async with handled(fresh, "raw_reaction_remove"):
            await fake_discord.react(str(message_id), "🔥", by="mod", added=False)
        assert await tally(h.app, PAPER) == Tally()


async def test_a_message_mapped_only_in_redis_counts(bot: Bot) -> None:
    message_id = "1218112345678901234"  # the recorded sample's message, never seen by this client
    await bot.app.channels.map_message(TEAM, message_ref(int(CHANNEL_ID), int(message_id)), PAPER)
    await react(bot, message_id, "👍")
    assert await tally(bot.app, PAPER) == Tally(up=1)


async def test_slack_and_discord_votes_share_one_tally_once_linked(bot: Bot) -> None:
    message_id = await paper_message(bot)
    await react(bot, message_id, "👍")
    workspace = "slack:T0001"
    slack_message = MessageRef(
        channel=ChannelRef(platform="slack", channel_id="C1"), message_id="1710000000.000100"
    )
    await bot.app.channels.map_message(workspace, slack_message, PAPER)
    event = ReactionChanged(
        message=slack_message, user="U1", emoji="+1::skin-tone-2", added=True, team=workspace
    )
    await bot.app.reaction(event, platform="slack")
    assert await tally(bot.app, PAPER) == Tally(up=1)  # each team reads its own votes...
    await bot.app.teams.link(TEAM, workspace)
    assert await tally(bot.app, PAPER) == Tally(up=2)  # ...until the teams are linked
    assert await tally(bot.app, PAPER, workspace) == Tally(up=2)


async def test_custom_emoji_count_when_configured(
    redis_url: str, redis: Redis, fake_discord: FakeDiscord
) -> None:
    async with (
        paperboy_app(redis_url, PAPERBOY_VOTE_UP="+1,upvote") as h,
        running(h.app, fake_discord) as client,
    ):
        await h.app.channels.map_message(TEAM, message_ref(int(CHANNEL_ID), 42), PAPER)
        async with handled(client, "raw_reaction_add", count=2):
            await fake_discord.react("42", "upvote", custom_id="1200000000000000001")
            await fake_discord.react("42", "fire", by="mod", custom_id="1200000000000000002")
        assert await tally(h.app, PAPER) == Tally(up=1)  # 🔥 is not configured any more
