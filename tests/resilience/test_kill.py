"""2. A worker killed with SIGKILL in the middle of posting, then restarted: the digest completes
with no repeated message (counted at the loopback Slack)."""

from __future__ import annotations

import json
import signal

import pytest

from bot.i18n import t
from bot.render import DIGEST_TITLE
from tests.resilience.conftest import (
    Deployment,
    delivery,
    slack_channels,
    stop,
    until,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
PAPERS = 5
# Posts 0.5 s apart, so the kill lands between two posts; a killed worker's job is rerun by arq
# once its in-progress mark expires (PAPERBOY_JOB_TIMEOUT + 10 s).
ENV = {
    "PAPERBOY_DIGEST_SIZE": PAPERS,
    "PAPERBOY_SLACK_POST_INTERVAL": 0.5,
    "PAPERBOY_JOB_TIMEOUT": 8,
    "PAPERBOY_DIGEST_LEASE": 2,
}


async def test_killed_worker_is_resumed_without_repeating_a_message(
    deployment: Deployment,
) -> None:
    (channel,) = slack_channels(1)
    await deployment.seed([channel], language="en")
    key = delivery(channel)
    redis = deployment.redis()
    first = deployment.start(**ENV)

    def mid_digest() -> bool:  # some posted, each one recorded, more to come
        posted = len(deployment.slack.posted)
        return 2 <= posted < 1 + PAPERS and redis.hlen(f"{key}:posted") == posted

    await until(mid_digest, deployment, what="the digest half posted")
    stop(first, signal.SIGKILL)
    before = len(deployment.slack.posted)
    assert before < 1 + PAPERS
    assert not redis.exists(f"{key}:done")

    deployment.start(**ENV)
    await until(lambda: bool(redis.exists(f"{key}:done")), deployment, what="the digest done")

    posts = deployment.slack.posts_in(channel.channel_id)
    texts = [json.dumps(p["blocks"], ensure_ascii=False) for p in posts]
    assert len(posts) == 1 + PAPERS
    assert len(set(texts)) == len(texts)
    assert t(DIGEST_TITLE, "en", week="Mar 11\u2009–\u200917, 2024") in texts[0]
    assert [f"|{i}. " in text for i, text in enumerate(texts[1:], 1)] == [True] * PAPERS
    assert "try=2" in deployment.output()  # arq reran the killed job; it resumed
    assert len({p["ts"] for p in posts}) == len(posts)
    assert redis.hlen(f"{key}:posted") == 1 + PAPERS
