"""5. The clock moved past a schedule while everything was stopped: the late digest is posted
once, and says it is late. "Now" is each process's PAPERBOY_TEST_NOW, not a global fake."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot.i18n import t
from bot.render import LATE
from tests.resilience.conftest import (
    MONDAY_0900,
    Deployment,
    delivery,
    slack_channels,
    stop,
    until,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def checked_past(deployment: Deployment, moment: datetime) -> bool:
    """A scheduler check ran at or after `moment` (on its own clock)."""
    return float(deployment.redis().get("pb:sched:tick") or 0) >= moment.timestamp()


async def test_digest_missed_while_down_is_posted_late_once(deployment: Deployment) -> None:
    (channel,) = slack_channels(1)
    await deployment.seed([channel], language="en")
    redis = deployment.redis()

    before = MONDAY_0900 - timedelta(minutes=2)
    worker = deployment.start(PAPERBOY_TEST_NOW=before.isoformat())
    await until(lambda: checked_past(deployment, before), deployment, what="a check at 08:58")
    stop(worker)
    assert deployment.slack.posted == []  # not due yet

    # Everything was down at 09:00; it comes back at 11:00 the same Monday.
    back = MONDAY_0900 + timedelta(hours=2)
    worker = deployment.start(PAPERBOY_TEST_NOW=back.isoformat())
    done = f"{delivery(channel)}:done"
    await until(lambda: bool(redis.exists(done)), deployment, what="the late digest")
    stop(worker)

    posts = deployment.slack.posts_in(channel.channel_id)
    header = json.dumps(posts[0]["blocks"], ensure_ascii=False)
    assert len(posts) == 4
    assert t(LATE, "en") in header
    assert all(t(LATE, "en") not in json.dumps(p["blocks"]) for p in posts[1:])

    # Restarted again later that day: nothing more is posted.
    later = back + timedelta(minutes=30)
    deployment.start(PAPERBOY_TEST_NOW=later.isoformat())
    await until(
        lambda: checked_past(deployment, later + timedelta(seconds=3)),
        deployment,
        what="three checks after the second restart",
    )
    assert len(deployment.slack.posted) == 4


async def test_on_time_digest_does_not_say_late(deployment: Deployment) -> None:
    (channel,) = slack_channels(1)
    await deployment.seed([channel], language="en")
    deployment.start(PAPERBOY_TEST_NOW=(MONDAY_0900 - timedelta(seconds=2)).isoformat())
    await until(lambda: len(deployment.slack.posted) == 4, deployment, what="the digest")
    assert t(LATE, "en") not in json.dumps(deployment.slack.posted[0]["blocks"])


async def test_run_missed_last_week_is_not_posted_this_week(deployment: Deployment) -> None:
    (channel,) = slack_channels(1)
    await deployment.seed([channel], language="en")
    # Down all week, back the following Monday at 08:00: last week's run is not posted now.
    back = MONDAY_0900 + timedelta(days=7, hours=-1)
    deployment.start(PAPERBOY_TEST_NOW=back.isoformat())
    await until(
        lambda: checked_past(deployment, back + timedelta(seconds=3)),
        deployment,
        what="three checks",
    )
    assert deployment.slack.posted == []
