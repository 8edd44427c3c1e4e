"""4. The fake LLM failing (429, 500, timeouts): digests still post on time, with labelled
extractive summaries. arXiv answering 429 with Retry-After: honoured; arXiv down for good:
the digest is built from Hugging Face alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.i18n import t
from bot.render import EXTRACTIVE_NOTE, LATE, TREND_NOTE
from tests.fakes.server import Fault
from tests.resilience.conftest import Deployment, delivery, slack_channels, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def blocks_text(post: dict[str, Any]) -> str:
    return json.dumps(post["blocks"], ensure_ascii=False)


async def test_llm_failures_still_post_on_time_with_extractive_summaries(
    deployment: Deployment,
) -> None:
    english, korean = slack_channels(2)
    await deployment.seed([english], language="en")
    await deployment.seed([korean], language="ko")
    failures = [Fault.too_many(0), Fault.error(500), Fault.error(503), Fault.slow(3)] * 10
    deployment.llm.inject(*failures)
    deployment.start(PAPERBOY_LLM_TIMEOUT=1)
    redis = deployment.redis()
    done = [f"{delivery(c)}:done" for c in (english, korean)]
    await until(lambda: all(redis.exists(k) for k in done), deployment, what="both digests")

    assert deployment.llm.count("/chat/completions") >= 8  # every summary and trend was tried
    for channel, lang in ((english, "en"), (korean, "ko")):
        posts = deployment.slack.posts_in(channel.channel_id)
        assert len(posts) == 4
        assert t(LATE, lang) not in blocks_text(posts[0])
        assert t(TREND_NOTE, lang) in blocks_text(posts[0])
        for post in posts[1:]:
            assert t(EXTRACTIVE_NOTE, lang) in blocks_text(post)


def arxiv_only_paper(deployment: Deployment) -> str:
    """A cs.CL paper of the covered week that only arXiv lists (Hugging Face does not)."""
    base = deployment.papers[6]
    paper = base.model_copy(
        update={
            "arxiv_id": "2403.12345",
            "title": "A Paper Only The arXiv Category Listing Knows",
            "categories": ("cs.CL",),
            "primary_category": "cs.CL",
            "published": datetime(2024, 3, 13, 12, 0, tzinfo=UTC),
            "upvotes": None,
        }
    )
    deployment.arxiv.add(paper)
    return paper.arxiv_id


async def test_arxiv_retry_after_is_honoured(deployment: Deployment) -> None:
    (channel,) = slack_channels(1)
    arxiv_id = arxiv_only_paper(deployment)
    await deployment.seed([channel], language="en", categories=("cs.CL",), digest_size=8)
    deployment.arxiv.inject(Fault.too_many(2, path="/api/query"))
    deployment.start()
    done = f"{delivery(channel)}:done"
    await until(lambda: bool(deployment.redis().exists(done)), deployment, what="the digest")

    first, second = deployment.arxiv.calls("/api/query")[:2]
    assert second.at - first.at >= 2.0  # waited as long as Retry-After said
    posted = " ".join(blocks_text(p) for p in deployment.slack.posts_in(channel.channel_id))
    assert arxiv_id in posted


async def test_digest_from_hugging_face_alone_when_arxiv_stays_down(
    deployment: Deployment,
) -> None:
    (channel,) = slack_channels(1)
    arxiv_id = arxiv_only_paper(deployment)
    await deployment.seed([channel], language="en", categories=("cs.CL",), digest_size=8)
    deployment.arxiv.inject(*[Fault.too_many(0.2, path="/api/query")] * 50)
    deployment.start()
    done = f"{delivery(channel)}:done"
    await until(lambda: bool(deployment.redis().exists(done)), deployment, what="the digest")

    posts = deployment.slack.posts_in(channel.channel_id)
    posted = " ".join(blocks_text(p) for p in posts)
    assert deployment.arxiv.count("/api/query") >= 2  # tried, and retried
    assert arxiv_id not in posted
    assert len(posts) == 1 + 5  # the five papers Hugging Face listed that week
    for paper in deployment.papers[:5]:
        assert paper.arxiv_id in posted
