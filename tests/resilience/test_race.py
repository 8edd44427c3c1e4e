"""1. Three worker processes race for the same due digests of 20 channels: each channel gets
exactly one complete digest, counted at the loopback Slack."""

from __future__ import annotations

import json
import re

import pytest

from bot.i18n import t
from bot.render import DIGEST_TITLE
from tests.resilience.conftest import Deployment, delivery, slack_channels, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
PAPERS = 3  # PAPERBOY_DIGEST_SIZE in the deployment's env


def tick(deployment: Deployment) -> float:
    return float(deployment.redis().get("pb:sched:tick") or 0)


async def test_three_workers_post_one_complete_digest_per_channel(deployment: Deployment) -> None:
    channels = slack_channels(20)
    await deployment.seed(channels, language="en")
    deployment.slack.delay = 0.02  # posting takes a moment, so the workers overlap
    workers = [deployment.start(PAPERBOY_WORKER_JOBS=4) for _ in range(3)]
    redis = deployment.redis()

    def all_done() -> bool:
        return all(redis.exists(f"{delivery(c)}:done") for c in channels)

    await until(all_done, deployment, what="20 digests done")
    settled = tick(deployment)
    # Let the schedulers check at least three more times: nothing may be posted again.
    await until(lambda: tick(deployment) >= settled + 3, deployment, what="three more checks")

    assert all(w.poll() is None for w in workers), deployment.output()
    title = t(DIGEST_TITLE, "en", week="Mar 11\u2009–\u200917, 2024")
    for channel in channels:
        posts = deployment.slack.posts_in(channel.channel_id)
        texts = [json.dumps(p["blocks"], ensure_ascii=False) for p in posts]
        assert len(posts) == 1 + PAPERS, f"{channel.key}: {len(posts)} messages"
        assert title in texts[0]
        assert sum(title in text for text in texts) == 1
        assert len(set(texts)) == len(texts)  # no message twice
        ranks = [re.search(r"\|(\d)\. ", text) for text in texts[1:]]
        assert [int(m.group(1)) for m in ranks if m] == list(range(1, PAPERS + 1))
    assert len(deployment.slack.posted) == 20 * (1 + PAPERS)
    posting = [log for log in deployment.logs if "posted:" in log.read_text()]
    assert len(posting) >= 2, "the workers did not share the digests"
