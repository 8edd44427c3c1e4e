"""A Korean server's whole `/paper` session through the real discord.py client: with the user's
client in Korean (`interaction.locale = "ko"`) and the channel set to Korean, every word
Paperboy sends is Korean except paper titles, names, URLs and the `/paper …` words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.discord.translate import channel_ref
from bot.domain import Paper
from tests.adapters.discord.conftest import TEAM, Bot, handled
from tests.adapters.slack.test_korean_session import english_runs
from tests.fakes.discord import CHANNEL_ID

CHANNEL = channel_ref(int(CHANNEL_ID))
OTHER = Paper(
    arxiv_id="2310.00001",
    title="Models that think before speaking, again",
    abstract="Language models think. They speak.",
    published=datetime(2023, 10, 1, tzinfo=UTC),
)


async def slash(bot: Bot, query: str, by: str = "haruka") -> None:
    async with handled(bot.client, "interaction"):
        await bot.discord.slash(query, locale="ko", by=by)


async def say(bot: Bot, content: str, by: str) -> None:
    async with handled(bot.client, "message", count=2):
        await bot.discord.say(content, by=by)


def texts(body: dict[str, Any]) -> list[str]:
    out = [str(body.get("content") or "")]
    for embed in body.get("embeds", []):
        out += [embed.get("title", ""), embed.get("description", "")]
        out += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
        out.append(embed.get("footer", {}).get("text", ""))
    return [text for text in out if text]


async def test_a_korean_servers_session_has_no_english_sentence(bot: Bot) -> None:
    await bot.app.channels.update(CHANNEL, TEAM, language="ko")
    for query in ("help", "2403.09629", "2403.09629", "top all"):
        await slash(bot, query)
    await slash(bot, 'schedule "0 9 * * MON" Asia/Seoul')  # the sample's member may manage
    for query in ("schedule", "digest preview", "2413.12345"):
        await slash(bot, query)
    await say(bot, "!paper schedule off", by="haruka")  # a plain member: refused
    bot.app.settings.user_rate_limit = 1
    bot.h.arxiv.add(OTHER)
    for _ in range(2):
        await slash(bot, OTHER.arxiv_id, by="owner")

    sent = [text for body in bot.discord.sent() for text in texts(body)]
    whole = "\n".join(sent)
    assert "서버 관리자만" in whole  # the refusal, in Discord's words
    assert "워크스페이스" not in whole
    assert "한도에 도달했습니다" in whole
    assert "올바른 arXiv ID가 아닙니다" in whole
    assert "을(를)" not in whole
    allowed = [s for p in bot.h.arxiv.papers.values() for s in (p.title, *p.authors)]
    leftovers = {run for text in sent for run in english_runs(text, allowed)}
    assert not leftovers, leftovers
