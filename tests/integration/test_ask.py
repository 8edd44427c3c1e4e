"""Ask the paper end to end: loopback arxiv.org and OpenAI, the real clients, a real Redis."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import openai
import pytest
import redis.asyncio as aioredis

from bot.domain import Paper
from bot.render import plain_text, render_answer, render_deep
from bot.services.ask import NOT_SAID, PaperQA, ThreadMemory, Turn
from bot.services.fulltext import FullTextFetcher
from tests.fakes.arxiv_web import FakeArxivWeb, latexml_page
from tests.fakes.openai import FakeOpenAI, schema_name
from tests.integration.test_fulltext import PAPER

ARXIV = Paper(arxiv_id="2401.00001", version=1, title=PAPER.title, abstract=PAPER.abstract)
_PASSAGE = re.compile(r'<passage where="([^"]*)">(.*?)</passage>', re.DOTALL)
_QUESTION = re.compile(r"<question>(.*?)</question>", re.DOTALL)
_KO = "답: "


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9.%]{3,}", text.lower()))


def reader(request: dict[str, Any]) -> dict[str, Any]:
    """A model that answers only from the passages it is sent: the best-overlapping one."""
    last = request["messages"][-1]["content"]
    passages = _PASSAGE.findall(last)
    if schema_name(request) == "deep_summary":
        return deep_answer(passages)
    questions = [q for m in request["messages"] for q in _QUESTION.findall(str(m["content"]))]
    now, before = _words(questions[-1]), _words(" ".join(questions[-2:-1]))
    if "that" in now:  # "that" refers to the previous question: the thread's context is needed
        now |= before
        scored = sorted(
            passages,
            key=lambda p: (-len(_words(questions[-1]) & _words(p[1])), -len(now & _words(p[1]))),
        )
    else:
        scored = sorted(passages, key=lambda p: -len(now & _words(p[1])))
    if not scored or not now & _words(scored[0][1]):
        return {"answerable": False, "answer": "", "citations": []}
    where, text = scored[0]
    parts = re.split(r"(?<=[.!?])\s|\n", text)
    sentence = next((p for p in parts if re.search(r"\d", p) and "GSM8K" in p), parts[0])
    quote = " ".join(sentence.split()[:6])
    if re.search(r"[\uac00-\ud7a3]", last.split("<question>")[-1]):
        numbers = ", ".join(re.findall(r"\d+(?:\.\d+)?%", sentence))
        sentence = f"{_KO}논문에 따르면 해당 수치는 다음과 같습니다: {numbers}."
    return {
        "answerable": True,
        "answer": sentence,
        "citations": [{"section": where, "quote": quote}],
    }


def deep_answer(passages: list[tuple[str, str]]) -> dict[str, Any]:
    found = dict(passages)

    def point(where: str) -> list[dict[str, str]]:
        return [{"text": found[where].split("\n")[0], "section": where}] if where in found else []

    return {
        "problem": point("Abstract"),
        "method": point("4 Experiments"),
        "results": [
            *point("4.2 Results"),
            {"text": "It reaches 99.9% on MATH.", "section": "4.2 Results"},
        ],
        "limitations": point("5 Limitations"),
    }


@pytest.fixture
def web() -> Iterator[FakeArxivWeb]:
    with FakeArxivWeb() as server:
        server.html["2401.00001v1"] = latexml_page(PAPER)
        yield server


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.respond = reader
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
async def client(llm: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    api = openai.AsyncOpenAI(api_key="sk-test", base_url=f"{llm.base_url}/v1", max_retries=0)
    yield api
    await api.close()


def make_qa(
    client: openai.AsyncOpenAI | None,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    web: FakeArxivWeb,
    **kw: Any,
) -> PaperQA:
    fetcher = FullTextFetcher(http, redis, web_url=web.base_url, min_interval=0, retries=0)
    return PaperQA(client, redis, fetcher, model="fake-model", timeout=10, **kw)


async def test_a_question_is_answered_with_a_grounded_citation(
    client: openai.AsyncOpenAI,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    web: FakeArxivWeb,
    llm: FakeOpenAI,
) -> None:
    qa = make_qa(client, redis, http, web)
    answer = await qa.ask(ARXIV, "How much does zero-shot accuracy on GSM8K improve?")
    assert answer.said
    assert answer.source == "llm"
    assert answer.language == "en"
    assert "5.9% to 10.9%" in answer.text
    assert [c.where for c in answer.citations] == ["4.2 Results"]
    again = await qa.ask(ARXIV, "How much does zero-shot accuracy on GSM8K improve?")
    assert again == answer
    assert llm.chat_calls() == 1  # cached


async def test_a_korean_question_gets_a_korean_answer(
    client: openai.AsyncOpenAI, redis: aioredis.Redis, http: httpx.AsyncClient, web: FakeArxivWeb
) -> None:
    answer = await make_qa(client, redis, http, web).ask(
        ARXIV, "GSM8K 정확도는 얼마나 개선되었나요?"
    )
    assert answer.language == "ko"
    assert answer.text.startswith(_KO)
    assert answer.said


async def test_a_follow_up_uses_the_previous_turn(
    client: openai.AsyncOpenAI,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    web: FakeArxivWeb,
    llm: FakeOpenAI,
) -> None:
    qa, memory = make_qa(client, redis, http, web), ThreadMemory(redis, max_turns=2, ttl=60)
    first_q = "How much does zero-shot accuracy on GSM8K improve?"
    first = await qa.ask(ARXIV, first_q)
    await memory.remember("slack:T1", "C1:1712.0001", Turn(question=first_q, answer=first.text))
    history = await memory.turns("slack:T1", "C1:1712.0001")
    follow = await qa.ask(ARXIV, "Which table shows that?", history=history)
    assert follow.said
    assert follow.citations[0].where == "4.2 Results, Table 3"
    sent = llm.requests_json()[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[2]["content"] == first.text
    assert await memory.turns("slack:T2", "C1:1712.0001") == []  # another team's thread


async def test_thread_memory_keeps_the_last_turns_with_a_ttl(redis: aioredis.Redis) -> None:
    memory = ThreadMemory(redis, max_turns=2, ttl=60)
    for n in range(3):
        await memory.remember("slack:T1", "th", Turn(question=f"q{n}", answer=f"a{n}"))
    assert [t.question for t in await memory.turns("slack:T1", "th")] == ["q1", "q2"]
    assert 0 < await redis.ttl("pb:t:slack:T1:turns:th") <= 60


async def test_an_unanswerable_question_gets_the_paper_does_not_say(
    client: openai.AsyncOpenAI, redis: aioredis.Redis, http: httpx.AsyncClient, web: FakeArxivWeb
) -> None:
    answer = await make_qa(client, redis, http, web).ask(ARXIV, "Who funded the authors' lab?")
    assert not answer.said
    assert answer.text == NOT_SAID["en"]
    assert answer.citations == ()


async def test_invented_numbers_and_quotes_are_dropped(
    client: openai.AsyncOpenAI,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    web: FakeArxivWeb,
    llm: FakeOpenAI,
) -> None:
    llm.respond = lambda request: {
        "answerable": True,
        "answer": "Accuracy improves from 5.9% to 10.9%. It also reaches 99.9% on MATH.",
        "citations": [
            {"section": "4.2 Results", "quote": "improves from 5.9% to 10.9%"},
            {"section": "5 Limitations", "quote": "a sentence the paper never wrote"},
        ],
    }
    answer = await make_qa(client, redis, http, web).ask(ARXIV, "What does GSM8K accuracy do?")
    assert answer.text == "Accuracy improves from 5.9% to 10.9%."
    assert [c.where for c in answer.citations] == ["4.2 Results"]
    assert answer.dropped == 2


async def test_without_a_key_the_best_passages_are_quoted(
    redis: aioredis.Redis, http: httpx.AsyncClient, web: FakeArxivWeb
) -> None:
    answer = await make_qa(None, redis, http, web).ask(
        ARXIV, "How slow is inference with thinking?"
    )
    assert answer.source == "quotes"
    assert 1 <= len(answer.citations) <= 3
    assert answer.citations[0].where == "5 Limitations"
    assert "12 times slower" in answer.citations[0].quote


async def test_embeddings_are_blended_and_cached_per_passage(
    client: openai.AsyncOpenAI,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    web: FakeArxivWeb,
    llm: FakeOpenAI,
) -> None:
    qa = make_qa(client, redis, http, web, embedding_model="fake-embed")
    await qa.ask(ARXIV, "How much does zero-shot accuracy on GSM8K improve?")
    await qa.ask(ARXIV, "How slow is inference?")
    inputs = [len(r.json()["input"]) for r in llm.calls("/embeddings")]
    assert inputs[0] > 3
    assert inputs[1:] == [1, 1]  # passages once, then only the questions
    assert await redis.hlen("pb:vectors:2401.00001:1:fake-embed") == inputs[0]


async def test_deep_summary_is_cited_grounded_and_cached(
    client: openai.AsyncOpenAI,
    redis: aioredis.Redis,
    http: httpx.AsyncClient,
    web: FakeArxivWeb,
    llm: FakeOpenAI,
) -> None:
    qa = make_qa(client, redis, http, web)
    deep = await qa.deep(ARXIV, "en")
    assert deep.source == "llm"
    assert deep.dropped == 1  # the invented 99.9% bullet
    assert [p.where for p in deep.results] == ["4.2 Results"]
    assert deep.limitations[0].where == "5 Limitations"
    assert await qa.deep(ARXIV, "en") == deep
    assert llm.chat_calls() == 1
    assert await redis.exists(qa.deep_key(ARXIV, "en"))


async def test_answers_and_deep_summaries_render_as_neutral_messages(
    client: openai.AsyncOpenAI, redis: aioredis.Redis, http: httpx.AsyncClient, web: FakeArxivWeb
) -> None:
    qa, quoting = make_qa(client, redis, http, web), make_qa(None, redis, http, web)
    answer = plain_text(render_answer(await qa.ask(ARXIV, "How does GSM8K accuracy improve?")))
    assert "§4.2 Results: “Zero-shot accuracy on GSM8K improves from”" in answer
    quotes = plain_text(render_answer(await quoting.ask(ARXIV, "How slow is inference?")))
    assert quotes.startswith("No LLM answer: quotes")
    deep = render_deep(ARXIV, await qa.deep(ARXIV, "en"))
    assert "(§5 Limitations)" in plain_text(deep)
    assert deep.paper_id == ARXIV.arxiv_id
