"""`/paper` end to end: signed slash commands in, Web API calls out, real core in between."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.slack.app import INVITE_TIP, LOOKING_UP
from bot.domain import Paper
from tests.adapters.slack.conftest import CHANNEL, TEAM, USER, SlackBed, reaction_body
from tests.fakes.openai import default_respond, requested_language
from tests.fakes.server import Fault
from tests.fakes.slack import BOT_USER_ID, block_errors


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(element.get("text", "") for element in block.get("elements", []))
    return out


def everything_sent(bed: SlackBed) -> list[str]:
    """Every text Paperboy sent to Slack: posts, ephemeral messages, response_url answers."""
    bodies = [*bed.slack.posted, *bed.slack.ephemeral, *bed.slack.responses]
    return [t for body in bodies for t in [body.get("text", ""), *texts(body.get("blocks", []))]]


def assert_paper_message(post: dict[str, Any]) -> str:
    assert post["channel"] == CHANNEL
    assert post["unfurl_links"] is False
    assert block_errors(post["blocks"]) == []
    body = "\n".join(texts(post["blocks"]))
    assert "*<https://arxiv.org/abs/2403.09629v1|Quiet-STaR: Language Models Can Teach " in body
    assert "*TL;DR*\n" in body
    assert "<https://arxiv.org/pdf/2403.09629v1|PDF>" in body
    assert "👍 0 · 👎 0" in body
    assert "Summarised by an AI model" in body
    return body


async def test_paper_by_id_is_acked_then_posted_and_mapped_for_votes(bed: SlackBed) -> None:
    answer = await bed.command("2403.09629")
    assert (answer.status, answer.text) == (200, LOOKING_UP)
    await bed.adapter.drain()
    [post] = bed.slack.posted
    assert "When writing and talking, people sometimes pause to think." in assert_paper_message(
        post
    )
    assert await bed.h.app.channels.paper_for(TEAM, bed.ref(post["ts"])) == "2403.09629"
    assert bed.h.llm.chat_calls() == 1
    assert bed.slack.ephemeral == []
    await bed.ask("2403.09629")
    assert bed.slack.count("auth.test") == 1  # once at start, not once per request


async def test_paper_by_url(bed: SlackBed) -> None:
    await bed.ask("https://arxiv.org/abs/2403.09629v1")
    [post] = bed.slack.posted
    assert_paper_message(post)


async def test_paper_by_keywords_lists_other_matches(bed: SlackBed) -> None:
    other = Paper(
        arxiv_id="2310.00001",
        title="Models that think before speaking, again",
        abstract="Language models think. They speak.",
        published=datetime(2023, 10, 1, tzinfo=UTC),
    )
    bed.h.arxiv.add(other)
    await bed.ask("think before speaking")
    [post] = bed.slack.posted
    body = "\n".join(texts(post["blocks"]))
    assert block_errors(post["blocks"]) == []
    assert "Other matches" in body
    assert bed.h.arxiv.search_queries()
    mapped = await bed.h.app.channels.paper_for(TEAM, bed.ref(post["ts"]))
    assert mapped in ("2403.09629", "2310.00001")


async def test_ack_arrives_while_the_llm_has_not_answered(bed: SlackBed) -> None:
    asked, release = threading.Event(), threading.Event()

    def slow_llm(request: dict[str, Any]) -> dict[str, Any] | str:
        asked.set()
        release.wait(20)
        return default_respond(request)

    bed.h.llm.respond = slow_llm
    try:
        answer = await bed.command("2403.09629")
        assert (answer.status, answer.text) == (200, LOOKING_UP)
        assert await asyncio.to_thread(asked.wait, 20)  # the work goes on after the ack...
        assert bed.slack.posted == []  # ...and nothing is posted before the LLM answers
    finally:
        release.set()
    await bed.adapter.drain()
    assert len(bed.slack.posted) == 1


async def test_empty_text_and_help_answer_ephemerally(bed: SlackBed) -> None:
    for text in ("", "help", "HELP"):
        answer = await bed.ask(text)
        assert (answer.status, answer.text) == (200, "")
    assert bed.slack.posted == []
    assert len(bed.slack.ephemeral) == 3
    for call in bed.slack.ephemeral:
        assert (call["channel"], call["user"]) == (CHANNEL, USER)
        assert "/paper top [week|all]" in "\n".join(texts(call["blocks"]))
    assert bed.h.llm.chat_calls() == 0


async def test_top_lists_voted_papers_in_the_channel(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    await bed.event(reaction_body(ts, user="U0VOTER01"))
    await bed.ask("top all")
    top = bed.slack.posted[-1]
    body = "\n".join(texts(top["blocks"]))
    assert "Top papers" in body
    assert "Quiet-STaR" in body
    assert "👍 1 · 👎 0" in body
    assert await bed.h.app.channels.paper_for(TEAM, bed.ref(top["ts"])) is None
    await bed.ask("top someday")
    assert "/paper top week" in bed.slack.ephemeral[-1]["text"]


async def test_lang_is_refused_to_members(bed: SlackBed) -> None:
    await bed.ask("lang ko")
    [refusal] = bed.slack.ephemeral
    assert "Only workspace admins" in refusal["text"]
    assert bed.slack.posted == []
    assert bed.slack.api_calls("users.info")[0]["user"] == USER
    assert (await bed.h.app.channels.view(bed.ref("1").channel, TEAM)).stored.language is None


async def test_lang_by_admins_owners_and_listed_users(bed: SlackBed) -> None:
    await bed.ask("lang ko", user="U0ADMIN01")
    assert "한국어" in bed.slack.posted[-1]["text"]
    await bed.ask("lang ja", user="U0OWNER01")
    await bed.ask("lang zh", user="U0LISTED1")  # in PAPERBOY_ADMINS: no users.info needed
    # PAPERBOY_ADMINS needs no users.info for the rights; one call still asks the locale
    asked = [c["user"] for c in bed.slack.api_calls("users.info")]
    assert asked == ["U0ADMIN01", "U0OWNER01", "U0LISTED1"]
    assert (await bed.h.app.channels.view(bed.ref("1").channel, TEAM)).stored.language == "zh"
    await bed.ask("2403.09629")
    assert requested_language(bed.h.llm.requests_json()[-1]) == "zh"
    await bed.ask("lang klingon", user="U0ADMIN01")
    assert "Choose one of: en, ko, ja, zh" in bed.slack.ephemeral[-1]["text"]


async def test_digest_preview_is_ephemeral_and_within_limits(bed: SlackBed) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)  # in the seven days it covers
    bed.h.hf.add(yesterday, bed.h.arxiv.papers["2403.09629"])
    await bed.ask("digest preview")
    assert bed.slack.posted == []
    assert bed.slack.ephemeral
    for call in bed.slack.ephemeral:
        assert block_errors(call["blocks"]) == []
        assert call["user"] == USER
    shown = "\n".join(t for call in bed.slack.ephemeral for t in texts(call["blocks"]))
    assert "Paperboy weekly digest" in shown
    assert "Quiet-STaR" in shown
    await bed.ask("digest")
    assert "/paper digest preview" in bed.slack.ephemeral[-1]["text"]


async def test_unknown_paper_gets_a_helpful_ephemeral_error(bed: SlackBed) -> None:
    await bed.ask("2401.99999")
    assert bed.slack.posted == []
    [error] = bed.slack.ephemeral
    assert "arXiv has no paper 2401.99999" in error["text"]


async def test_hostile_input_never_mentions_anyone(bed: SlackBed) -> None:
    for text in (
        "<!channel> <!here> reasoning",
        "@here @everyone 量子 🤖 思考 reasoning",
        "x" * 10_000,
        "<@U024BE7LH> <#C123|general> &amp; <https://evil.example|hi>",
    ):
        answer = await bed.ask(text)
        assert answer.status == 200
        assert "<!" not in answer.text
    assert bed.slack.posted == []
    assert len(bed.slack.ephemeral) == 4
    assert "too long" in bed.slack.ephemeral[2]["text"]
    for text in everything_sent(bed):
        assert re.search(r"<(?!https?://)", text) is None, text
        assert "@here" not in text.replace("@\u200bhere", "")


async def test_429_from_post_message_is_waited_out(bed: SlackBed) -> None:
    bed.slack.inject(Fault.too_many(1, path="chat.postMessage"))
    await bed.ask("2403.09629")
    assert len(bed.slack.calls("chat.postMessage")) == 2
    [post] = bed.slack.posted
    assert await bed.h.app.channels.paper_for(TEAM, bed.ref(post["ts"])) == "2403.09629"


async def test_not_in_channel_falls_back_to_the_response_url(bed: SlackBed) -> None:
    bed.slack.not_in_channel.add(CHANNEL)
    await bed.ask("2403.09629")
    assert bed.slack.posted == []
    [answer] = bed.slack.responses
    assert answer["url"] in bed.response_urls[-1]
    assert answer["response_type"] == "in_channel"
    assert block_errors(answer["blocks"]) == []
    body = "\n".join(texts(answer["blocks"]))
    assert "Quiet-STaR" in body
    assert INVITE_TIP.replace("`", "") in body.replace("`", "")


async def test_ephemeral_reply_falls_back_to_the_response_url_in_dms(bed: SlackBed) -> None:
    bed.slack.unknown_channels.add("D0DIRECT1")
    await bed.ask("help", channel="D0DIRECT1")
    assert bed.slack.ephemeral == []
    [answer] = bed.slack.responses
    assert answer["response_type"] == "ephemeral"
    assert "Paperboy" in "\n".join(texts(answer["blocks"]))


async def test_a_10k_character_abstract_still_gives_a_valid_message(bed: SlackBed) -> None:
    sentence = "Quiet-STaR teaches language models to think before speaking & <reasoning>. "
    huge = Paper(
        arxiv_id="2403.11111",
        version=1,
        title="A very long abstract " * 10,
        abstract=(sentence * 140).strip(),
        published=datetime(2024, 3, 15, tzinfo=UTC),
    )
    bed.h.arxiv.add(huge)
    await bed.ask("2403.11111")
    [post] = bed.slack.posted
    assert block_errors(post["blocks"]) == []
    assert len(post["text"]) <= 40_000
    assert await bed.h.app.channels.paper_for(TEAM, bed.ref(post["ts"])) == "2403.11111"


async def test_mention_works_like_the_slash_command(bed: SlackBed) -> None:
    body = reaction_body("0")  # an envelope in the fixture's shape, made an app_mention
    body["event"] = {
        "type": "app_mention",
        "user": USER,
        "text": "<@U0BOTUSER> 2403.09629",
        "ts": "1710461100.000100",
        "channel": CHANNEL,
        "event_ts": "1710461100.000100",
    }
    for retry in (None, 1):
        assert (await bed.event(body, retry=retry)).status == 200
    await bed.adapter.drain()
    [post] = bed.slack.posted
    assert_paper_message(post)


async def test_the_bots_own_mentions_do_nothing(bed: SlackBed) -> None:
    """Bolt's self-event middleware is off (the adapter checks itself): nothing may loop."""
    for author in ({"user": BOT_USER_ID}, {"user": "U0BOTTWO1", "bot_id": "B0BOTTWO1"}):
        body = reaction_body("0")
        body["event"] = {
            "type": "app_mention",
            "text": "<@U0BOTUSER> 2403.09629",
            "ts": "1710461100.000200",
            "channel": CHANNEL,
            "event_ts": "1710461100.000200",
            **author,
        }
        assert (await bed.event(body)).status == 200
    await bed.adapter.drain()
    assert bed.slack.posted == []
    assert bed.h.llm.chat_calls() == 0


async def test_per_user_rate_limit_answers_politely(bed: SlackBed) -> None:
    bed.h.app.settings.user_rate_limit = 1
    await bed.ask("2403.09629")
    await bed.ask("2403.09629")
    assert len(bed.slack.posted) == 1
    [limited] = bed.slack.ephemeral
    assert "this hour" in limited["text"]
    assert "try again in about" in limited["text"]
    await bed.ask("help")  # sub-commands are not LLM work
    assert len(bed.slack.ephemeral) == 2


async def test_a_dead_response_url_is_logged_not_raised(
    bed: SlackBed, caplog: pytest.LogCaptureFixture
) -> None:
    bed.slack.not_in_channel.add(CHANNEL)
    bed.slack.inject(Fault.error(404, path="/commands/"))
    await bed.ask("2403.09629")
    assert bed.slack.posted == bed.slack.responses == []
    assert "could not deliver a /paper reply in slack:C2147483705" in caplog.text
    await bed.ask("help")  # the adapter carries on
    assert len(bed.slack.ephemeral) == 0
    assert len(bed.slack.responses) == 1
