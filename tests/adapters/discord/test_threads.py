"""Ask the paper on Discord: questions in a thread started on a paper message or replying to
one, follow-ups, flags that translate and `!paper deep` — the real discord.py client against the
loopback Discord gateway and REST API, arXiv (API and arxiv.org HTML), OpenAI and a real Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot import keys
from tests.adapters.discord.conftest import TEAM, Bot, assert_no_mentions, handled, running, tally
from tests.adapters.slack.test_threads import GSM8K, model
from tests.fakes.arxiv_web import FakeArxivWeb, latexml_page
from tests.fakes.discord import APP_ID, CHANNEL_ID, FakeDiscord
from tests.harness import paperboy_app
from tests.integration.test_ask import ARXIV
from tests.integration.test_fulltext import PAPER

Json = dict[str, Any]


@pytest.fixture
def web() -> Iterator[FakeArxivWeb]:
    with FakeArxivWeb() as server:
        server.html["2401.00001v1"] = latexml_page(PAPER)
        yield server


async def started(
    redis_url: str, fake: FakeDiscord, web: FakeArxivWeb, **overrides: Any
) -> AsyncIterator[Bot]:
    async with paperboy_app(
        redis_url, papers=[ARXIV], PAPERBOY_ARXIV_WEB_URL=web.base_url, **overrides
    ) as h:
        h.llm.respond = model
        async with running(h.app, fake) as client:
            yield Bot(h, fake, client)
    assert_no_mentions(fake)


@pytest.fixture
async def bot(
    redis_url: str, redis: Redis, fake_discord: FakeDiscord, web: FakeArxivWeb
) -> AsyncIterator[Bot]:
    async for opened in started(redis_url, fake_discord, web):
        yield opened


async def paper_message(bot: Bot) -> str:
    """`/paper 2401.00001` (the real flow); the id of the paper message it posted."""
    async with handled(bot.client, "interaction"):
        interaction_id = await bot.discord.slash("2401.00001")
    original = bot.discord.original(interaction_id)
    assert original is not None
    return str(original["id"])


async def thread_on(bot: Bot, message_id: str) -> str:
    async with handled(bot.client, "thread_create"):
        return await bot.discord.start_thread(message_id)


async def ask(bot: Bot, content: str, *, answered: bool = True, **where: Any) -> list[Json]:
    """A member's message (in a thread or replying: `where`); the messages the bot sent for it."""
    before = len(bot.discord.sent())
    async with handled(bot.client, "message", count=2 if answered else 1):
        await bot.discord.say(content, **where)
    return bot.discord.sent()[before:]


def shown(body: Json) -> str:
    return json.dumps(body, ensure_ascii=False)


def posted_in(bot: Bot, channel_id: str) -> list[Json]:
    return [c.json() for c in bot.discord.calls(f"/channels/{channel_id}/messages")]


async def test_a_question_in_a_thread_on_a_paper_gets_one_cited_answer_there(bot: Bot) -> None:
    thread = await thread_on(bot, await paper_message(bot))
    [answer] = await ask(bot, f"<@{APP_ID}> {GSM8K}", channel_id=thread)
    assert answer in posted_in(bot, thread)
    assert "5.9% to 10.9%" in shown(answer)
    assert "§4.2 Results" in shown(answer)
    assert str(answer["message_reference"]["channel_id"]) == thread


async def test_a_follow_up_in_the_thread_needs_no_mention(bot: Bot) -> None:
    thread = await thread_on(bot, await paper_message(bot))
    await ask(bot, f"<@{APP_ID}> {GSM8K}", channel_id=thread)
    [follow] = await ask(bot, "Which table shows that?", channel_id=thread)
    assert "§4.2 Results, Table 3" in shown(follow)
    sent = bot.h.llm.requests_json()[-1]["messages"]
    assert [m["role"] for m in sent][-3:] == ["user", "assistant", "user"]


async def test_a_korean_question_in_a_thread_is_answered_in_korean(bot: Bot) -> None:
    thread = await thread_on(bot, await paper_message(bot))
    [answer] = await ask(bot, f"<@{APP_ID}> GSM8K 정확도는 얼마나 개선되었나요?", channel_id=thread)
    assert "논문에 따르면" in shown(answer)


async def test_replies_to_a_paper_and_to_the_answer_continue_one_conversation(bot: Bot) -> None:
    paper = await paper_message(bot)
    [answer] = await ask(bot, GSM8K, reply_to=paper, ping=True)  # the reply pings the bot
    assert str(answer["message_reference"]["message_id"]) != paper  # a reply to the question
    assert "§4.2 Results" in shown(answer)
    answer_id = next(
        m["id"]
        for m in bot.discord.messages.values()
        if m["author"]["id"] == APP_ID and "5.9% to 10.9%" in shown(m)
    )
    [follow] = await ask(bot, "Which table shows that?", reply_to=answer_id)
    assert "§4.2 Results, Table 3" in shown(follow)


async def test_a_reply_without_a_mention_before_any_answer_is_an_ordinary_message(
    bot: Bot,
) -> None:
    paper = await paper_message(bot)
    assert await ask(bot, GSM8K, reply_to=paper, answered=False) == []


async def test_an_unanswerable_question_gets_the_paper_does_not_say(bot: Bot) -> None:
    thread = await thread_on(bot, await paper_message(bot))
    [answer] = await ask(bot, f"<@{APP_ID}> Who funded the authors' lab?", channel_id=thread)
    assert "The paper does not say." in shown(answer)


async def test_thread_messages_are_neither_votes_nor_shared_papers(bot: Bot, redis: Redis) -> None:
    paper = await paper_message(bot)
    thread = await thread_on(bot, paper)
    await ask(bot, f"<@{APP_ID}> {GSM8K}", channel_id=thread)
    await ask(bot, "see https://arxiv.org/abs/2403.09629 too", channel_id=thread)
    answers = [m["id"] for m in bot.discord.messages.values() if m["channel_id"] == thread]
    for message_id in answers:
        async with handled(bot.client, "raw_reaction_add"):
            await bot.discord.react(message_id, "👍")
    assert (await tally(bot.app, "2401.00001")).up == 0
    assert await redis.keys(keys.shared(TEAM, "*")) == []
    async with handled(bot.client, "raw_reaction_add"):
        await bot.discord.react(paper, "👍")  # the paper message itself still counts
    assert (await tally(bot.app, "2401.00001")).up == 1


async def test_a_flag_posts_one_translation_as_a_reply(bot: Bot) -> None:
    paper = await paper_message(bot)
    before = len(posted_in(bot, CHANNEL_ID))
    async with handled(bot.client, "raw_reaction_add"):
        await bot.discord.react(paper, "🇯🇵")
    [translation] = posted_in(bot, CHANNEL_ID)[before:]
    assert str(translation["message_reference"]["message_id"]) == paper
    assert "本論文の概要" in shown(translation)
    async with handled(bot.client, "raw_reaction_add"):
        await bot.discord.react(paper, "🇯🇵", by="mod")  # the same flag again: nothing new
    assert len(posted_in(bot, CHANNEL_ID)) == before + 1
    assert (await tally(bot.app, "2401.00001")).up == 0  # flags are not votes


async def test_deep_answers_with_cited_bullets(bot: Bot) -> None:
    [deep] = await ask(bot, "!paper deep 2401.00001")
    assert "(§4.2 Results)" in shown(deep)
    assert "(§5 Limitations)" in shown(deep)
    assert "99.9%" not in shown(deep)


async def test_without_a_key_the_best_passages_are_quoted(
    redis_url: str, redis: Redis, fake_discord: FakeDiscord, web: FakeArxivWeb
) -> None:
    async for bot in started(redis_url, fake_discord, web, llm=False):
        thread = await thread_on(bot, await paper_message(bot))
        [answer] = await ask(
            bot, f"<@{APP_ID}> How slow is inference with thinking?", channel_id=thread
        )
        assert "12 times slower" in shown(answer)
        assert "§5 Limitations" in shown(answer)
        assert bot.h.llm.chat_calls() == 0
