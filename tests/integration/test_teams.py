"""Linking a lab's Slack workspace and Discord server: from chat with a one-time code, and from
the CLI; what a link shares and what it does not."""

from __future__ import annotations

import json
import re

from bot.commands import CommandContext
from bot.domain import ChannelRef, Tally
from tests.harness import paperboy_app, run_cli, vote

SLACK, DISCORD, OTHER = "slack:T0001", "discord:1100000000000000001", "discord:77"
P = "2403.09629"


def admin(team: str, *, is_admin: bool = True) -> CommandContext:
    platform = team.partition(":")[0]
    channel = ChannelRef(platform=platform, channel_id="C1" if platform == "slack" else "2")
    return CommandContext(
        platform=platform, user="U1", channel=channel, team=team, is_admin=is_admin
    )


async def test_admins_link_two_teams_with_a_one_time_code(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        await vote(h.app.redis, h.app.votes, P, "U1", team=SLACK)
        await vote(h.app.redis, h.app.votes, P, "42", team=DISCORD)
        refused = await h.app.command(admin(SLACK, is_admin=False), "team link")
        offer = await h.app.command(admin(SLACK), "team link")
        code = re.search(r"/paper team link (\S+)`", offer.text or "")
        assert code is not None
        bad = await h.app.command(admin(DISCORD), "team link nope-nope-0000")
        linked = await h.app.command(admin(DISCORD), f"team link {code[1]}")
        reused = await h.app.command(admin(OTHER), f"team link {code[1]}")  # works once
        top = await h.app.command(admin(DISCORD), "top all")
        shown = await h.app.command(admin(SLACK), "team")
        ledger = await h.app.teams.ledger(SLACK)
        await h.app.command(admin(DISCORD), "team unlink")
        alone = await h.app.votes.tally(await h.app.teams.ledger(SLACK), P)
    assert not refused.ok
    assert offer.ephemeral  # the code is shown only to the admin who asked
    assert not bad.ok
    assert "expired" in (bad.text or "")
    assert linked.ok
    assert not reused.ok
    assert ledger == (DISCORD, SLACK)
    assert "👍 2" in top.messages[0].fallback
    assert DISCORD in (shown.text or "")
    assert alone == Tally(up=1)  # unlinked: each team keeps the votes cast in it


async def test_the_cli_links_lists_and_unlinks(redis_url: str) -> None:
    env = {"REDIS_URL": redis_url}
    linked = run_cli("team", "link", SLACK, DISCORD, env=env)
    listed = run_cli("team", "list", "--json", env=env)
    bad = run_cli("team", "link", "slack:T1", "mastodon:9", env=env)
    unlinked = run_cli("team", "unlink", DISCORD, env=env)
    after = run_cli("team", "list", "--json", env=env)
    assert linked.returncode == 0, linked.stderr
    assert json.loads(listed.stdout) == [
        {"team": DISCORD, "shares_with": [SLACK]},
        {"team": SLACK, "shares_with": [DISCORD]},
    ]
    assert bad.returncode == 1
    assert "is not a team" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert unlinked.returncode == 0
    assert json.loads(after.stdout) == []  # no channel, install or link left to know them by


async def test_link_codes_cannot_be_guessed(redis_url: str) -> None:
    async with paperboy_app(redis_url) as h:
        offer = await h.app.command(admin(SLACK), "team link")
        code = re.search(r"/paper team link (\S+)`", offer.text or "")
        assert code is not None
        guesses = [
            await h.app.command(admin(OTHER), f"team link amber-arrow-{n:04d}") for n in range(5)
        ]
        right_but_late = await h.app.command(admin(OTHER), f"team link {code[1]}")
        elsewhere = await h.app.command(admin(DISCORD), f"team link {code[1]}")
        ledger = await h.app.teams.ledger(OTHER)
    assert not any(g.ok for g in guesses)
    assert not right_but_late.ok
    assert "Too many wrong link codes" in (right_but_late.text or "")
    assert ledger == (OTHER,)
    assert elsewhere.ok  # the code was not spent by the refused attempt
