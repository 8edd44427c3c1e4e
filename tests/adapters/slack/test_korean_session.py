"""A Korean team's whole `/paper` session through the real Bolt app: every word Paperboy sends
(acks, ephemeral answers, posts, errors) is Korean, except paper titles, names, URLs and the
`/paper …` words a user types. Users' own locales come from `users.info` (`include_locale`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.domain import Paper
from tests.adapters.slack.conftest import CHANNEL, USER, SlackBed, reaction_body, slack_bed
from tests.fakes.slack import FakeSlack

ADMIN = "U0ADMIN01"
SECOND = "U0KOREAN2"
OTHER = Paper(
    arxiv_id="2310.00001",
    title="Models that think before speaking, again",
    abstract="Language models think. They speak.",
    published=datetime(2023, 10, 1, tzinfo=UTC),
)
_SLACK_LINK = re.compile(r"<([^>|]+)\|([^>]*)>")  # Slack's `<url|label>`: the label is text
_URL = re.compile(r"<[^>\s]+>|https?://\S+")
_CODE = re.compile(r"`[^`]*`")  # `/paper …` words and cron expressions the user types
# An English word: lower case after an optional capital. Acronyms and names written like
# acronyms (`LLM`, `STaR`, `LMs`), ids and numbers are not words of a sentence.
_WORD = re.compile(r"[A-Z]?[a-z]+(?:['’-][a-z]+)*")
_EDGES = "\"'“”‘’()[]{}<>*_~.,:;!?…—–·•"


def english_runs(text: str, allowed: list[str]) -> list[str]:
    """Runs of three or more English words left once titles, names, URLs and code are gone."""
    text = _CODE.sub(" ", _URL.sub(" ", _SLACK_LINK.sub(r" \2 ", text)))
    for phrase in sorted(allowed, key=len, reverse=True):
        text = text.replace(phrase, " ")
    runs, run = [], []
    for token in [*text.split(), ""]:
        word = token.strip(_EDGES)
        if word and _WORD.fullmatch(word):
            run.append(word)
            continue
        if len(run) >= 3:
            runs.append(" ".join(run))
        run = []
    return runs


def test_the_checker_finds_english_and_spares_titles() -> None:
    allowed = ["Quiet-STaR: Language Models Can Teach Themselves"]
    assert english_runs("Sorry, something went wrong", []) == ["Sorry something went wrong"]
    assert english_runs("오류: try again later.", []) == ["try again later"]
    assert english_runs("Quiet-STaR, STaR, LMs에 관한 논문", []) == []
    assert english_runs("*Quiet-STaR: Language Models Can Teach Themselves* 요약", allowed) == []
    assert english_runs("`/paper top week` 또는 <https://arxiv.org/abs/1|arXiv abs page>", []) == []
    assert english_runs("HF 추천 71개 · 팀 투표 +2/-0", []) == []


def texts_of(body: dict[str, Any]) -> list[str]:
    out = [str(body.get("text") or "")]
    for block in body.get("blocks", []):
        if "text" in block:
            out.append(block["text"]["text"])
        out += [str(e.get("text", "")) for e in block.get("elements", []) if isinstance(e, dict)]
        out += [f["text"] for f in block.get("fields", [])]
    return out


def everything_sent(bed: SlackBed) -> list[str]:
    bodies = [*bed.slack.posted, *bed.slack.ephemeral, *bed.slack.responses]
    return [text for body in bodies for text in texts_of(body) if text]


def names_and_titles(bed: SlackBed) -> list[str]:
    """What may stay in English: the papers' titles, authors and categories."""
    out: list[str] = []
    for paper in bed.h.arxiv.papers.values():
        out += [paper.title, *paper.authors, *paper.categories]
    return out


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(USER, locale="ko-KR")
        fake.add_user(ADMIN, admin=True, locale="ko-KR")
        fake.add_user(SECOND, locale="ko-KR")
        yield fake


@pytest.fixture
async def bed(redis_url: str, redis: aioredis.Redis, slack: FakeSlack) -> AsyncIterator[SlackBed]:
    async with slack_bed(redis_url, slack) as opened:
        yield opened


async def test_a_korean_channels_session_has_no_english_sentence(bed: SlackBed) -> None:
    acks = [(await bed.ask("lang ko", user=ADMIN)).text]
    acks.append((await bed.ask("help")).text)
    acks.append((await bed.ask("2403.09629")).text)
    ts = str(bed.slack.posted[-1]["ts"])
    await bed.event(reaction_body(ts, user="U0VOTER01"))
    acks.append((await bed.ask("2403.09629")).text)  # the same paper again
    acks.append((await bed.ask("top all")).text)
    acks.append((await bed.ask('schedule "0 9 * * MON" Asia/Seoul', user=ADMIN)).text)
    acks.append((await bed.ask("schedule", user=ADMIN)).text)
    acks.append((await bed.ask("digest preview")).text)
    acks.append((await bed.ask("2413.12345")).text)  # a bad reference
    acks.append((await bed.ask("schedule off")).text)  # not an admin
    bed.h.app.settings.user_rate_limit = 1
    bed.h.arxiv.add(OTHER)
    for _ in range(2):  # the second is over the rate limit
        acks.append((await bed.ask(OTHER.arxiv_id, user=SECOND)).text)

    sent = [*filter(None, acks), *everything_sent(bed)]
    whole = "\n".join(sent)
    assert "🔎 찾아보는 중입니다" in whole  # the ack
    assert "워크스페이스 관리자만" in whole  # the refusal, in Slack's words
    assert "한도에 도달했습니다" in whole  # the rate limit
    assert "올바른 arXiv ID가 아닙니다" in whole
    assert "일정: `0 9 * * MON` (Asia/Seoul)" in whole
    assert "을(를)" not in whole
    allowed = names_and_titles(bed)
    leftovers = {run for text in sent for run in english_runs(text, allowed)}
    assert not leftovers, leftovers


async def test_an_english_speaker_in_a_korean_channel(bed: SlackBed) -> None:
    """Replies only they see follow their own locale; what the channel sees stays Korean."""
    bed.slack.add_user("U0VISITOR", locale="en-US")
    await bed.h.app.channels.update(bed.ref("1").channel, "", language="ko")
    # The ack cannot wait for users.info (3 s): before the locale is known, the channel's.
    first = await bed.ask("help", user="U0VISITOR")
    assert "Show what Paperboy can do." in "\n".join(texts_of(bed.slack.ephemeral[-1]))
    ack = await bed.ask("2403.09629", user="U0VISITOR")
    assert ack.text.startswith("🔎 Looking that up"), first
    assert "요약" in "\n".join(texts_of(bed.slack.posted[-1]))  # the public summary: Korean
    assert "Show what Paperboy can do." in "\n".join(texts_of(bed.slack.ephemeral[-1]))
    assert [c["include_locale"] for c in bed.slack.api_calls("users.info")] == ["1"]
    await bed.ask("top", user="U0VISITOR")  # the locale is cached: no second users.info
    assert len(bed.slack.api_calls("users.info")) == 1
    assert bed.slack.posted[-1]["channel"] == CHANNEL
