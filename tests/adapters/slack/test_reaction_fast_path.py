"""The HTTP entry answers signed reactions without Bolt's dispatch (adapters/slack/runner.py says
why). These tests pin what that relies on: the same answers and votes as Bolt's own path, Bolt's
signature check being slack_sdk's verifier, and Paperboy's authorize hook accepting every signed
request."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from slack_bolt.middleware.request_verification.async_request_verification import (
    AsyncRequestVerification,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot import keys
from bot.domain import Tally
from tests.adapters.slack.conftest import (
    SIGNING_SECRET,
    TEAM,
    Answer,
    SlackBed,
    reaction_body,
    signed_headers,
    tally,
)

PAPER = "2403.09629"


async def through_bolt(bed: SlackBed, payload: dict[str, Any]) -> Answer:
    """`payload`, signed, dispatched into Bolt the way its own adapters do."""
    body = json.dumps(payload)
    headers: dict[str, str | Sequence[str]] = {
        **signed_headers(body),
        "Content-Type": "application/json",
    }
    answer = await bed.adapter.bolt.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    return Answer(answer.status, str(answer.body))


async def mapped(bed: SlackBed, ts: str, paper: str = PAPER) -> str:
    await bed.h.app.channels.map_message(TEAM, bed.ref(ts), paper)
    return ts


async def test_a_vote_gets_the_answer_bolt_gives_and_counts_once_either_way(bed: SlackBed) -> None:
    ts = await mapped(bed, "1710000000.000100")
    fast = await bed.event(reaction_body(ts, user="U0FAST001"))
    bolt = await through_bolt(bed, reaction_body(ts, user="U0BOLT001"))
    assert (fast.status, fast.text) == (bolt.status, bolt.text) == (200, "")
    assert await tally(bed.h.app, PAPER) == Tally(up=2)


async def test_a_retry_answers_alike_and_counts_nothing_more(bed: SlackBed) -> None:
    ts = await mapped(bed, "1710000000.000200")
    payload = reaction_body(ts, user="U0RETRY01")
    assert (await bed.event(payload)).status == 200
    fast, bolt = await bed.event(payload, retry=1), await through_bolt(bed, payload)
    assert (fast.status, fast.text) == (bolt.status, bolt.text) == (200, "")
    assert await tally(bed.h.app, PAPER) == Tally(up=1)


async def test_a_failing_vote_answers_500_on_both_paths(bed: SlackBed) -> None:
    ts = await mapped(bed, "1710000000.000300")
    await bed.h.app.redis.set(keys.votes(TEAM, PAPER), "corrupt")  # the script's HGET fails
    fast = await bed.event(reaction_body(ts, user="U0FAIL001"))
    bolt = await through_bolt(bed, reaction_body(ts, user="U0FAIL002"))
    assert (fast.status, fast.text) == (bolt.status, bolt.text)
    assert fast.status == 500


async def test_a_malformed_reaction_answers_400_on_both_paths(bed: SlackBed) -> None:
    payload = reaction_body("1710000000.000400")
    payload["event"]["item"] = "not an object"
    fast, bolt = await bed.event(payload), await through_bolt(bed, payload)
    assert (fast.status, fast.text) == (bolt.status, bolt.text)
    assert fast.status == 400


async def test_the_bots_own_reaction_is_acked_and_not_counted(bed: SlackBed) -> None:
    ts = await mapped(bed, "1710000000.000500")
    own = bed.adapter.identity.bot_user_id
    assert own
    fast = await bed.event(reaction_body(ts, user=own))
    assert (fast.status, fast.text) == (200, "")
    assert await tally(bed.h.app, PAPER) == Tally()


async def test_a_forged_reaction_is_refused_before_anything_is_read(bed: SlackBed) -> None:
    ts = await mapped(bed, "1710000000.000600")
    body = json.dumps(reaction_body(ts, user="U0FORGED1"))
    headers = {**signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64}
    assert (await bed.post(body, headers, "application/json")).status == 401
    assert await tally(bed.h.app, PAPER) == Tally()


def test_bolts_signature_check_is_slack_sdks_verifier() -> None:
    """The fast path checks signatures with slack_sdk's SignatureVerifier because that is what
    Bolt's RequestVerification middleware uses: if Bolt changes that, revisit the fast path."""
    middleware = AsyncRequestVerification(SIGNING_SECRET)
    assert isinstance(middleware.verifier, SignatureVerifier)


async def test_bolt_asks_the_verifier_as_the_fast_path_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path calls `is_valid(body as text, timestamp, signature)`, as Bolt's middleware
    does (not `is_valid_request`, which copies every header first)."""
    asked: list[tuple[type, str | None, str | None]] = []
    is_valid = SignatureVerifier.is_valid

    def recorded(
        self: SignatureVerifier, body: str | bytes, timestamp: str | None, signature: str | None
    ) -> bool:
        asked.append((type(body), timestamp, signature))
        return is_valid(self, body, timestamp, signature)

    monkeypatch.setattr(SignatureVerifier, "is_valid", recorded)
    body = json.dumps(reaction_body("1710000000.000800"))
    headers = signed_headers(body)

    async def listeners() -> BoltResponse:
        return BoltResponse(status=200, body="")

    request = AsyncBoltRequest(body=body, headers={**headers, "Content-Type": "application/json"})
    answer = await AsyncRequestVerification(SIGNING_SECRET).async_process(
        req=request, resp=BoltResponse(status=404), next=listeners
    )
    assert answer.status == 200
    stamp, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert asked == [(str, stamp, signature)]


async def test_the_authorize_hook_accepts_a_signed_request_from_any_workspace(
    bed: SlackBed,
) -> None:
    """Bolt with Paperboy's `FixedIdentity` authorizes every signed request (so the fast path
    that skips the hook skips nothing): an event of another workspace reaches the listeners."""
    elsewhere = "slack:T0ELSEWHERE"
    await bed.h.app.channels.map_message(elsewhere, bed.ref("1710000000.000700"), PAPER)
    payload = reaction_body("1710000000.000700", user="U0ELSEWH1")
    payload["team_id"] = "T0ELSEWHERE"
    answer = await through_bolt(bed, payload)
    assert (answer.status, answer.text) == (200, "")  # refused: 200 with a "reinstall" text
    assert await tally(bed.h.app, PAPER, elsewhere) == Tally(up=1)
