"""Events API end to end: reaction votes, retries, the bot's own reactions, shared links."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import keys
from bot.domain import ChannelRef, Tally
from bot.weeks import iso_week
from bot.window import Window, window_of_week
from tests.adapters.slack import conftest
from tests.adapters.slack.conftest import CHANNEL, TEAM, SlackBed, message_body, reaction_body
from tests.fakes.slack import BOT_USER_ID

PAPER = "2403.09629"


async def tally(bed: SlackBed) -> Tally:
    return await conftest.tally(bed.h.app, PAPER)


def this_week() -> Window:
    """The ISO week of today (UTC, the default time zone): papers shared now are in it."""
    return window_of_week(iso_week(), ZoneInfo("UTC"))


async def test_votes_added_removed_and_switched(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    for user, emoji in (
        ("U0VOTER01", "+1::skin-tone-3"),
        ("U0VOTER02", "thumbsup"),
        ("U0VOTER03", "fire"),
        ("U0VOTER04", "arrow_up"),
    ):
        answer = await bed.event(reaction_body(ts, user=user, emoji=emoji))
        assert answer.status == 200
    assert await tally(bed) == Tally(up=4, down=0)
    await bed.event(reaction_body(ts, user="U0VOTER02", emoji="-1"))  # switch to down
    assert await tally(bed) == Tally(up=3, down=1)
    await bed.event(reaction_body(ts, user="U0VOTER02", emoji="-1", added=False))  # back to up
    assert await tally(bed) == Tally(up=4, down=0)
    await bed.event(reaction_body(ts, user="U0VOTER01", emoji="+1::skin-tone-3", added=False))
    assert await tally(bed) == Tally(up=3, down=0)
    await bed.event(reaction_body(ts, user="U0VOTER05", emoji="eyes"))  # not a vote emoji
    assert await tally(bed) == Tally(up=3, down=0)


async def test_the_bots_own_reactions_are_ignored(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    await bed.event(reaction_body(ts, user=BOT_USER_ID))  # the auth.test identity
    other_bot = reaction_body(ts, user="U0BOTTWO1")  # a bot user named only in the envelope
    other_bot["authorizations"].append(
        {
            "enterprise_id": None,
            "team_id": "T0001",
            "user_id": "U0BOTTWO1",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    )
    assert (await bed.event(other_bot)).status == 200
    assert await tally(bed) == Tally()


async def test_reactions_on_other_messages_and_files_are_ignored(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    await bed.event(reaction_body("1710400000.000100", user="U0VOTER01"))  # not Paperboy's
    await bed.event(reaction_body(ts, user="U0VOTER01", item_type="file"))
    await bed.event(reaction_body(ts, user="U0VOTER01", channel="C0ELSEWHR"))
    assert await tally(bed) == Tally()
    assert await bed.h.app.votes.leaderboard(await bed.h.app.teams.ledger(TEAM), limit=10) == []


async def test_retried_events_count_once(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    body = reaction_body(ts, user="U0VOTER01")
    for retry in (None, 1, 2, 3):
        assert (await bed.event(body, retry=retry)).status == 200
    assert await tally(bed) == Tally(up=1)
    removal = reaction_body(ts, user="U0VOTER01", added=False)
    await bed.event(removal)
    await bed.event(body, retry=1)  # a late retry of the add must not resurrect the vote
    assert await tally(bed) == Tally()


async def test_links_in_channel_messages_become_candidates_once(bed: SlackBed) -> None:
    channel = ChannelRef(platform="slack", channel_id=CHANNEL)
    shared = message_body(
        "look: <https://arxiv.org/abs/2403.09629v2|arxiv.org/abs/2403.09629v2> and arXiv:2401.08541"
    )
    for retry in (None, 1):
        assert (await bed.event(shared, retry=retry)).status == 200
    assert await bed.h.app.channels.shared(TEAM, channel, this_week()) == {
        "2403.09629": 1,
        "2401.08541": 1,
    }


async def test_edits_bots_and_joins_are_not_candidates(bed: SlackBed) -> None:
    channel = ChannelRef(platform="slack", channel_id=CHANNEL)
    link = "https://arxiv.org/abs/2403.09629"
    for body in (
        message_body(link, subtype="message_changed"),
        message_body(link, bot_id="B0OTHER01"),
        message_body(link, user=BOT_USER_ID),
        message_body(link, subtype="channel_join"),
    ):
        assert (await bed.event(body)).status == 200
    assert await bed.h.app.channels.shared(TEAM, channel, this_week()) == {}


async def test_a_vote_that_fails_answers_500_and_slacks_retry_counts_it_once(
    bed: SlackBed,
) -> None:
    ts = await bed.posted_paper()
    body = reaction_body(ts, user="U0VOTER09")
    broken = keys.votes(TEAM, PAPER)  # the users' reactions on the paper, made not a hash
    await bed.h.app.redis.set(broken, "corrupt")
    assert (await bed.event(body)).status == 500  # Redis refused the script: nothing counted
    assert await tally(bed) == Tally()
    await bed.h.app.redis.delete(broken)
    assert (await bed.event(body, retry=1)).status == 200
    assert (await bed.event(body, retry=2)).status == 200
    assert await tally(bed) == Tally(up=1)
