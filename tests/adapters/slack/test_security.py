"""Forged, unsigned and stale requests are refused with 401 and do nothing; secrets never leak
into logs; health and Slack's url_verification handshake answer."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.domain import Tally
from tests.adapters.slack.conftest import (
    SIGNING_SECRET,
    SlackBed,
    command_form,
    reaction_body,
    signature,
    signed_headers,
    tally,
)
from tests.fakes.slack import BOT_TOKEN

FORM = "application/x-www-form-urlencoded"


def assert_nothing_done(bed: SlackBed) -> None:
    assert bed.slack.posted == []
    assert bed.slack.ephemeral == []
    assert bed.slack.responses == []
    assert bed.h.llm.chat_calls() == 0
    assert bed.h.arxiv.count() == 0


async def test_forged_signature_is_refused(bed: SlackBed) -> None:
    body = command_form("2403.09629", response_url=bed.slack.response_url())
    stamp = str(int(time.time()))
    forged = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(body, stamp, secret="not-the-secret"),
    }
    answer = await bed.post(body, forged, FORM)
    await bed.adapter.drain()
    assert answer.status == 401
    assert_nothing_done(bed)


async def test_body_changed_after_signing_is_refused(bed: SlackBed) -> None:
    signed = signed_headers(command_form("help", response_url=bed.slack.response_url()))
    tampered = command_form("2403.09629", response_url=bed.slack.response_url())
    assert (await bed.post(tampered, signed, FORM)).status == 401
    await bed.adapter.drain()
    assert_nothing_done(bed)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": str(int(time.time()))},
        {"X-Slack-Signature": "v0=" + "0" * 64},
    ],
)
async def test_missing_signature_is_refused(bed: SlackBed, headers: dict[str, str]) -> None:
    answer = await bed.command("2403.09629", headers=headers)
    await bed.adapter.drain()
    assert answer.status == 401
    assert_nothing_done(bed)


async def test_stale_timestamp_is_refused_even_when_correctly_signed(bed: SlackBed) -> None:
    body = command_form("2403.09629", response_url=bed.slack.response_url())
    stale = signed_headers(body, timestamp=int(time.time()) - 5 * 60 - 30)
    future = signed_headers(body, timestamp=int(time.time()) + 5 * 60 + 30)
    for headers in (stale, future):
        assert (await bed.post(body, headers, FORM)).status == 401
    await bed.adapter.drain()
    assert_nothing_done(bed)


async def test_forged_reaction_is_not_a_vote(bed: SlackBed) -> None:
    ts = await bed.posted_paper()
    body = json.dumps(reaction_body(ts, user="U0VOTER01"))
    stamp = str(int(time.time()))
    forged = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(body, stamp, secret="guess"),
    }
    assert (await bed.post(body, forged, "application/json")).status == 401
    assert await tally(bed.h.app, "2403.09629") == Tally()


async def test_secrets_never_reach_the_logs(
    bed: SlackBed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Bolt copies the root level into its loggers when the app is built (before this test
    # raised it): as if the operator had run with PAPERBOY_LOG_LEVEL=DEBUG from the start.
    caplog.set_level(logging.DEBUG, logger="slack_bolt.RequestVerification")
    body = command_form("2403.09629", response_url=bed.slack.response_url())
    stamp = str(int(time.time()))
    forged = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(body, stamp, secret="not-the-secret"),
    }
    await bed.post(body, forged, FORM)
    bed.slack.not_in_channel.add("C2147483705")
    await bed.ask("2403.09629")
    await bed.ask("lang ko", user="U0ADMIN01")
    assert caplog.records  # debug logging really was on
    assert BOT_TOKEN not in caplog.text
    assert SIGNING_SECRET not in caplog.text
    assert forged["X-Slack-Signature"] not in caplog.text  # refused requests are not echoed


async def test_health_and_url_verification(bed: SlackBed) -> None:
    async with bed.http.get(bed.url.replace("/slack/events", "/healthz")) as resp:
        # the process's one /healthz (bot.web): Redis and every part it runs
        assert (resp.status, await resp.json()) == (200, {"ok": True, "redis": "ok"})
    challenge = {
        "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
        "type": "url_verification",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    }
    answer = await bed.event(challenge)
    assert answer.status == 200
    assert challenge["challenge"] in answer.text
