"""Ask the paper on Slack: questions in a paper's thread, follow-ups, flags that translate, and
`/paper deep` — through the real Bolt app, signed requests, the loopback Slack Web API, arXiv
(API and arxiv.org HTML) and OpenAI, and a real Redis."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from adapters.slack.app import SlackAdapter
from adapters.slack.runner import http_server
from bot import keys
from tests.adapters.slack.conftest import (
    CHANNEL,
    SIGNING_SECRET,
    TEAM,
    USER,
    SlackBed,
    reaction_body,
    tally,
)
from tests.fakes.arxiv_web import FakeArxivWeb, latexml_page
from tests.fakes.openai import default_respond, schema_name
from tests.fakes.slack import BOT_TOKEN, BOT_USER_ID, FakeSlack, event_callback
from tests.harness import paperboy_app
from tests.integration.test_ask import ARXIV, reader
from tests.integration.test_fulltext import PAPER

PAPER_SECTIONS = ("Abstract", "1 Introduction", "4 Experiments", "4.2 Results", "5 Limitations")
GSM8K = "How much does zero-shot accuracy on GSM8K improve?"
_serial = itertools.count(1)


def model(request: dict[str, Any]) -> dict[str, Any] | str:
    """Answers and deep summaries only from the passages sent; summaries as the default fake."""
    if schema_name(request) in ("paper_answer", "deep_summary"):
        return reader(request)
    return default_respond(request)


@pytest.fixture
def web() -> Iterator[FakeArxivWeb]:
    with FakeArxivWeb() as server:
        server.html["2401.00001v1"] = latexml_page(PAPER)
        yield server


@contextlib.asynccontextmanager
async def thread_bed(
    redis_url: str, slack: FakeSlack, web: FakeArxivWeb, *, llm: bool = True, **overrides: Any
) -> AsyncIterator[SlackBed]:
    """The Slack test bed, with arxiv.org's HTML and a model that reads the passages."""
    async with (
        paperboy_app(
            redis_url,
            papers=[ARXIV],
            llm=llm,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            PAPERBOY_ARXIV_WEB_URL=web.base_url,
            **overrides,
        ) as h,
        SlackAdapter.open(h.app, http=True, interval=0) as adapter,
        http_server(adapter, host="127.0.0.1", port=0) as port,
        aiohttp.ClientSession() as http,
    ):
        h.llm.respond = model
        yield SlackBed(h, adapter, slack, f"http://127.0.0.1:{port}/slack/events", http)


@pytest.fixture
async def bed(
    redis_url: str, redis: aioredis.Redis, slack: FakeSlack, web: FakeArxivWeb
) -> AsyncIterator[SlackBed]:
    async with thread_bed(redis_url, slack, web) as opened:
        yield opened


def thread_reply(text: str, thread_ts: str, *, user: str = USER) -> list[dict[str, Any]]:
    """What Slack sends for one reply in a thread: a `message` event, and an `app_mention` too
    when the text mentions the bot (same `ts`, different `event_id`)."""
    ts = f"{int(time.time())}.{next(_serial):06d}"
    event = {
        "type": "message",
        "channel": CHANNEL,
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": BOT_USER_ID,
        "event_ts": ts,
        "channel_type": "channel",
    }
    bodies = [event_callback(event, f"EvT{next(_serial):09d}")]
    if f"<@{BOT_USER_ID}>" in text:
        mention = {k: v for k, v in event.items() if k not in ("channel_type", "parent_user_id")}
        bodies.append(event_callback({**mention, "type": "app_mention"}, f"EvT{next(_serial):09d}"))
    return bodies


async def reply_in(bed: SlackBed, text: str, thread_ts: str, **kw: Any) -> list[dict[str, Any]]:
    """Send a thread reply (each of its events); the messages Paperboy posted because of it."""
    before = len(bed.slack.posted)
    for body in thread_reply(text, thread_ts, **kw):
        assert (await bed.event(body)).status == 200
    await bed.adapter.drain()
    return bed.slack.posted[before:]


def shown(post: dict[str, Any]) -> str:
    """Everything a reader sees in a posted message: its text and its blocks' text."""
    parts = [str(post.get("text") or "")]
    for block in post.get("blocks") or []:
        parts += [block.get("text", {}).get("text", "")]
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


def assert_mentions_no_one(post: dict[str, Any]) -> None:
    text = shown(post)
    assert not re.search(r"<[@!#]", text), text
    for block in post.get("blocks") or []:
        for obj in [block.get("text", {}), *block.get("elements", [])]:
            if obj.get("type") == "mrkdwn":
                assert obj.get("verbatim") is True, obj


async def test_a_question_in_a_paper_thread_gets_one_cited_answer_in_the_thread(
    bed: SlackBed,
) -> None:
    ts = await bed.posted_paper("2401.00001")
    posts = await reply_in(bed, f"<@{BOT_USER_ID}> {GSM8K}", ts)
    assert len(posts) == 1  # `message` and `app_mention` of one reply: one answer
    [answer] = posts
    assert answer["thread_ts"] == ts
    assert answer["channel"] == CHANNEL
    assert "5.9% to 10.9%" in shown(answer)
    assert "§4.2 Results" in shown(answer)
    assert _sections(shown(answer)) <= set(PAPER_SECTIONS)  # every citation names a real section
    assert_mentions_no_one(answer)


def _sections(text: str) -> set[str]:
    return {m.strip() for m in re.findall(r"§([^:]+):", text)}


async def test_a_korean_question_is_answered_in_korean(bed: SlackBed) -> None:
    ts = await bed.posted_paper("2401.00001")
    [answer] = await reply_in(bed, f"<@{BOT_USER_ID}> GSM8K 정확도는 얼마나 개선되었나요?", ts)
    assert "논문에 따르면" in shown(answer)
    assert "5.9%" in shown(answer)
    assert "From the paper" not in shown(answer)  # the labels are Korean too


async def test_a_follow_up_without_a_mention_uses_the_previous_turn(bed: SlackBed) -> None:
    ts = await bed.posted_paper("2401.00001")
    await reply_in(bed, f"<@{BOT_USER_ID}> {GSM8K}", ts)
    [follow] = await reply_in(bed, "Which table shows that?", ts)
    assert follow["thread_ts"] == ts
    assert "§4.2 Results, Table 3" in shown(follow)
    sent = bed.h.llm.requests_json()[-1]["messages"]
    assert [m["role"] for m in sent][-3:] == ["user", "assistant", "user"]
    assert GSM8K in sent[-3]["content"]


async def test_a_question_the_paper_cannot_answer_gets_the_paper_does_not_say(
    bed: SlackBed,
) -> None:
    ts = await bed.posted_paper("2401.00001")
    [answer] = await reply_in(bed, f"<@{BOT_USER_ID}> Who funded the authors' lab?", ts)
    assert "The paper does not say." in shown(answer)
    assert "§" not in shown(answer)


async def test_replies_without_a_mention_before_any_answer_are_left_alone(bed: SlackBed) -> None:
    ts = await bed.posted_paper("2401.00001")
    assert await reply_in(bed, GSM8K, ts) == []
    assert bed.h.llm.chat_calls() == 1  # the summary only


async def test_a_mention_in_a_thread_that_is_not_a_paper_s_is_a_command_as_before(
    bed: SlackBed,
) -> None:
    posts = await reply_in(bed, f"<@{BOT_USER_ID}> 2401.00001", "1700000000.000100")
    assert len(posts) == 1
    assert "thread_ts" not in posts[0]  # the paper, in the channel, as `@Paperboy <ref>` does


async def test_thread_messages_are_never_votes_nor_shared_papers(
    bed: SlackBed, redis: aioredis.Redis
) -> None:
    ts = await bed.posted_paper("2401.00001")
    [answer] = await reply_in(bed, f"<@{BOT_USER_ID}> {GSM8K} see arxiv.org/abs/2403.09629", ts)
    await bed.event(reaction_body(str(answer["ts"]), emoji="+1"))
    await reply_in(bed, "Also https://arxiv.org/abs/2403.09629 is related", ts)
    assert (await tally(bed.h.app, "2401.00001")).up == 0
    assert (await tally(bed.h.app, "2403.09629")).up == 0
    assert await redis.zcard(keys.shared(TEAM, f"slack:{CHANNEL}")) == 0
    await bed.event(reaction_body(ts, emoji="+1"))  # the paper message itself still counts
    assert (await tally(bed.h.app, "2401.00001")).up == 1


async def test_a_flag_posts_one_translation_in_the_thread(bed: SlackBed) -> None:
    ts = await bed.posted_paper("2401.00001")
    before = len(bed.slack.posted)
    assert (await bed.event(reaction_body(ts, emoji="flag-kr"))).status == 200
    await bed.adapter.drain()
    [translation] = bed.slack.posted[before:]
    assert translation["thread_ts"] == ts
    assert re.search(r"[\uac00-\ud7a3]", shown(translation))
    assert_mentions_no_one(translation)
    await bed.event(reaction_body(ts, emoji="kr", user="U0ADMIN01"))  # the same flag again
    await bed.event(reaction_body(ts, emoji="flag-kr", added=False))
    await bed.adapter.drain()
    assert len(bed.slack.posted) == before + 1
    assert await tally(bed.h.app, "2401.00001") == await tally(bed.h.app, "none")  # no votes


async def test_a_flag_on_a_message_that_is_not_a_paper_does_nothing(bed: SlackBed) -> None:
    await bed.event(reaction_body("1700000000.000200", emoji="jp"))
    await bed.adapter.drain()
    assert bed.slack.posted == []


async def test_deep_answers_with_cited_bullets(bed: SlackBed) -> None:
    await bed.ask("deep 2401.00001")
    [deep] = bed.slack.posted
    assert "(§4.2 Results)" in shown(deep)
    assert "(§5 Limitations)" in shown(deep)
    assert "99.9%" not in shown(deep)  # the invented bullet was dropped
    assert_mentions_no_one(deep)


async def test_threads_off_answers_no_question(
    redis_url: str, redis: aioredis.Redis, slack: FakeSlack, web: FakeArxivWeb
) -> None:
    async with thread_bed(redis_url, slack, web, PAPERBOY_THREADS="off") as bed:
        ts = await bed.posted_paper("2401.00001")
        posts = await reply_in(bed, f"<@{BOT_USER_ID}> {GSM8K}", ts)
        assert all("thread_ts" not in post for post in posts)
        assert not any(
            "paper_answer" in json.dumps(r.get("response_format"))
            for r in bed.h.llm.requests_json()
        )


async def test_without_a_key_the_best_passages_are_quoted(
    redis_url: str, redis: aioredis.Redis, slack: FakeSlack, web: FakeArxivWeb
) -> None:
    async with thread_bed(redis_url, slack, web, llm=False) as bed:
        ts = await bed.posted_paper("2401.00001")
        [answer] = await reply_in(bed, f"<@{BOT_USER_ID}> How slow is inference with thinking?", ts)
        assert answer["thread_ts"] == ts
        assert "quotes" in shown(answer)
        assert "12 times slower" in shown(answer)
        assert "§5 Limitations" in shown(answer)
        assert bed.h.llm.chat_calls() == 0
