"""Ask the paper: grounded answers from a paper's full text, deep summaries, thread memory.

`PaperQA.ask()` answers a question (with the thread's previous turns) from the passages that
rank best for it, in the question's language, through the same AsyncOpenAI client and monthly
token budget as the summaries. The answer is JSON (`answer`, `citations[{section, quote}]`) and
is grounded before anyone sees it: a citation whose quote is not in the cited passage is dropped,
a sentence with a number the cited passages do not state is dropped, and an answer left without
support becomes "the paper does not say" — never an invention. Without a key, with the budget
spent or when the LLM fails, the best passages are returned as quotes, labelled as such.

`PaperQA.deep()` is the `/paper deep` review: problem, method, results, limitations, each bullet
cited to a section, cached once per (paper, version, language, prompt, model) and computed once
across processes (`SingleFlight`), like the summaries.

`ThreadMemory` keeps a thread's last turns in Redis (a list per thread, trimmed, with a TTL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from bot import keys, metrics
from bot.domain import Language, Paper
from bot.services.aio import done
from bot.services.ask_prompts import (
    ANSWER_SCHEMA,
    ASK_PROMPT_VERSION,
    DEEP_PARTS,
    DEEP_SCHEMA,
    answer_messages,
    deep_messages,
)
from bot.services.fulltext import FullText, FullTextFetcher
from bot.services.grounding import evidence, unsupported
from bot.services.llm_usage import LLMUsage
from bot.services.passages import (
    Embedder,
    Passage,
    PassageIndex,
    Vector,
    blend,
    count_tokens,
    ranked,
    split_passages,
    within_budget,
)
from bot.services.singleflight import FlightTimeoutError, SingleFlight
from bot.services.summarizer import LLMError, in_language, parse_output
from bot.text import clean, normalize_ws, sentences

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.chat.completion_create_params import ResponseFormat

log = logging.getLogger(__name__)

AnswerSource = Literal["llm", "quotes"]
QUOTES = 3
_INDEXES_KEPT = 32
_SCRIPTS: tuple[tuple[Language, re.Pattern[str]], ...] = (
    ("ko", re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
)
_LATIN = re.compile(r"[A-Za-z]")
_OTHER_LETTER = re.compile(r"[^\W\d_A-Za-z]")
_ELLIPSIS = re.compile(r"\.{3}|…")
_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})

NOT_SAID: dict[Language, str] = {
    "en": "The paper does not say.",
    "ko": "논문에는 그에 대한 내용이 없습니다.",
    "ja": "論文にはその点についての記述がありません。",
    "zh": "论文中没有提到这一点。",
}


def detect_language(text: str, default: Language) -> Language:
    """ko/ja/zh from the script (kana means Japanese even among kanji), en for plain Latin text.

    Latin text with other letters (é, ß) is some other language Paperboy does not write, so the
    caller's default (the channel's language) applies, as it does for text without letters.
    """
    for language, script in _SCRIPTS:
        if script.search(text):
            return language
    if _LATIN.search(text) and not _OTHER_LETTER.search(text):
        return "en"
    return default


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)

    where: str  # "4.2 Results" or "4.2 Results, Table 3"
    quote: str


class Answer(BaseModel):
    """A reply to a question. `said=False`: the paper does not say; `source="quotes"`: passages."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int | None
    language: Language
    text: str
    citations: tuple[Citation, ...] = ()
    source: AnswerSource = "llm"
    said: bool = True
    dropped: int = 0  # citations or sentences removed by grounding


class DeepPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    where: str


class DeepSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int | None
    language: Language
    problem: tuple[DeepPoint, ...] = ()
    method: tuple[DeepPoint, ...] = ()
    results: tuple[DeepPoint, ...] = ()
    limitations: tuple[DeepPoint, ...] = ()
    source: AnswerSource = "llm"
    dropped: int = 0


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: str
    answer: str


class _LLMCitation(BaseModel):
    section: str = ""
    quote: str = ""


class _LLMAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    answerable: bool = True
    answer: str = ""
    citations: list[_LLMCitation] = Field(default_factory=list)


class _LLMPoint(BaseModel):
    text: str = ""
    section: str = ""


class _LLMDeep(BaseModel):
    model_config = ConfigDict(extra="ignore")

    problem: list[_LLMPoint] = Field(default_factory=list)
    method: list[_LLMPoint] = Field(default_factory=list)
    results: list[_LLMPoint] = Field(default_factory=list)
    limitations: list[_LLMPoint] = Field(default_factory=list)


# -- thread memory ------------------------------------------------------------------------------
class ThreadMemory:
    """A thread's last `max_turns` questions and answers, forgotten `ttl` seconds after the last."""

    def __init__(self, redis: Redis, *, max_turns: int = 4, ttl: float = 7 * 86400) -> None:
        self._redis = redis
        self._max = max_turns
        self._ttl = max(1, int(ttl))

    async def turns(self, team_key: str, thread_key: str) -> list[Turn]:
        if self._max == 0:
            return []
        raw = await done(
            self._redis.lrange(keys.thread_turns(team_key, thread_key), -self._max, -1)
        )
        return [Turn.model_validate_json(item) for item in raw]

    async def remember(self, team_key: str, thread_key: str, turn: Turn) -> None:
        key = keys.thread_turns(team_key, thread_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, turn.model_dump_json())
            pipe.ltrim(key, -max(1, self._max), -1)
            pipe.expire(key, self._ttl)
            await pipe.execute()


# -- grounding ----------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return normalize_ws(text.translate(_QUOTE_MARKS)).casefold()


def quote_in(quote: str, passage: str) -> bool:
    """The quote's words occur in the passage (case, spacing and quote marks aside; "…" skips)."""
    parts = [_norm(p).strip(" .,;:") for p in _ELLIPSIS.split(quote)]
    parts = [p for p in parts if p]
    haystack = _norm(passage)
    return bool(parts) and all(part in haystack for part in parts)


def cited_passages(where: str, passages: Sequence[Passage]) -> list[Passage]:
    """The passages a citation names: its exact `where`, else the section or label it starts with."""
    wanted = _norm(where).removeprefix("§").strip()
    exact = [p for p in passages if _norm(p.where) == wanted]
    return exact or [p for p in passages if wanted and _norm(p.section) in wanted]


def _numbers_missing(text: str, support: Sequence[str]) -> bool:
    """True when `text` states a number none of `support` states (names are not checked here)."""
    missing = unsupported(text, evidence(*support))
    return any(item[:1].isdigit() for item in missing)


def ground_answer(raw: _LLMAnswer, sent: Sequence[Passage]) -> tuple[str, list[Citation], int]:
    """The supported part of the answer, its valid citations and how many things were dropped."""
    citations: list[Citation] = []
    support: list[str] = []
    dropped = 0
    for cite in raw.citations:
        matches = [p for p in cited_passages(cite.section, sent) if quote_in(cite.quote, p.text)]
        if not matches:
            dropped += 1
            continue
        citations.append(Citation(where=matches[0].where, quote=clean(cite.quote)))
        support.extend(p.text for p in matches)
    parts = sentences(clean(raw.answer))
    kept = [s for s in parts if support and not _numbers_missing(s, support)]
    return " ".join(kept), citations, dropped + len(parts) - len(kept)


def coverage_order(passages: Sequence[Passage]) -> list[Passage]:
    """Passages taken one section at a time in turn, so a budget covers the whole paper."""
    by_section: OrderedDict[str, list[Passage]] = OrderedDict()
    for passage in passages:
        by_section.setdefault(passage.section, []).append(passage)
    queues = list(by_section.values())
    out: list[Passage] = []
    for depth in range(max((len(q) for q in queues), default=0)):
        out.extend(q[depth] for q in queues if depth < len(q))
    return out


# -- the service --------------------------------------------------------------------------------
class PaperQA:
    """Questions and deep summaries over full texts; `client=None` answers with quotes."""

    def __init__(
        self,
        client: openai.AsyncOpenAI | None,
        redis: Redis,
        fulltext: FullTextFetcher,
        *,
        model: str,
        timeout: float = 20.0,
        monthly_token_budget: int | None = None,
        embedding_model: str | None = None,
        context_tokens: int = 3000,
        answer_ttl: float = 86400,
    ) -> None:
        self._client = client
        self._redis = redis
        self._fulltext = fulltext
        self._model = model
        self._timeout = timeout
        self._context = context_tokens
        self._answer_ttl = max(1, int(answer_ttl))
        self.usage = LLMUsage(redis, monthly_token_budget=monthly_token_budget)
        self._embedder = (
            Embedder(client, redis, model=embedding_model, usage=self.usage)
            if client is not None and embedding_model
            else None
        )
        self._indexes: OrderedDict[tuple[str, int | None], PassageIndex] = OrderedDict()
        retries = client.max_retries if client is not None else 0
        self._flight = SingleFlight(
            redis, lock_ttl=max(30.0, 2 * timeout), wait_timeout=(retries + 1) * (timeout + 10) + 10
        )
        self.last_prompt_tokens = 0  # of the last LLM call (benchmarks)

    # -- questions -----------------------------------------------------------------------------
    async def ask(
        self,
        paper: Paper,
        question: str,
        *,
        history: Sequence[Turn] = (),
        default_language: Language = "en",
    ) -> Answer:
        """A grounded answer in the question's language; PaperNotFound/UpstreamError on no text."""
        language = detect_language(question, default_language)
        text = await self._fulltext.get(paper.arxiv_id, paper.version)
        index = self._index(text)
        query = " ".join([*(t.question for t in history[-1:]), question])
        candidates = ranked(index.passages, await self._scores(text, index, query))
        if not await self._llm_allowed():
            return _quotes(text, candidates, language)
        sent = within_budget(candidates, self._context)
        key = self._answer_key(text, question, history, language, sent)
        if (cached := await self._redis.get(key)) is not None:
            return Answer.model_validate_json(cached)
        try:
            answer = await self._llm_answer(text, question, history, language, sent)
        except LLMError as exc:
            log.warning("quoting passages for %s: %s", paper.versioned_id, exc)
            return _quotes(text, candidates, language)
        await self._redis.set(key, answer.model_dump_json(), ex=self._answer_ttl)
        return answer

    def _index(self, text: FullText) -> PassageIndex:
        """The paper's BM25 index, kept in this process for the papers asked about lately."""
        name = (text.arxiv_id, text.version)
        index = self._indexes.pop(name, None) or PassageIndex(split_passages(text))
        self._indexes[name] = index
        while len(self._indexes) > _INDEXES_KEPT:
            self._indexes.popitem(last=False)
        return index

    async def _scores(self, text: FullText, index: PassageIndex, query: str) -> Vector:
        lexical = index.bm25(query)
        similarity = None
        if self._embedder is not None and not await self.usage.over_budget():
            try:
                similarity = await self._embedder.similarities(text, index.passages, query)
            except (openai.OpenAIError, ValueError) as exc:
                log.warning(
                    "embeddings unavailable, ranking with BM25 alone: %s", type(exc).__name__
                )
        if similarity is None and not lexical.any():
            # No shared word (a question in Korean about an English paper): cover every section.
            order = {p.number: i for i, p in enumerate(coverage_order(index.passages))}
            return np.asarray([-order[p.number] for p in index.passages], dtype=np.float32)
        return blend(lexical, similarity)

    def _answer_key(
        self,
        text: FullText,
        question: str,
        history: Sequence[Turn],
        language: Language,
        sent: Sequence[Passage],
    ) -> str:
        context = json.dumps(
            [question, [t.model_dump() for t in history], language, [p.number for p in sent]],
            ensure_ascii=False,
        )
        digest = hashlib.sha256(f"{ASK_PROMPT_VERSION}:{context}".encode()).hexdigest()[:32]
        return keys.answer(text.arxiv_id, text.version, digest, self._model)

    async def _llm_answer(
        self,
        text: FullText,
        question: str,
        history: Sequence[Turn],
        language: Language,
        sent: Sequence[Passage],
    ) -> Answer:
        turns = [(t.question, t.answer) for t in history]
        messages = answer_messages(question, sent, turns, language)
        raw = parse_output(await self._complete(messages, ANSWER_SCHEMA), _LLMAnswer)
        body, citations, dropped = ground_answer(raw, sent) if raw.answerable else ("", [], 0)
        if body and not in_language(body, language):
            raise LLMError(f"the answer is not in the requested language ({language})")
        said = bool(body and citations)
        if dropped:
            log.info("dropped %d ungrounded parts of an answer on %s", dropped, text.arxiv_id)
        return Answer(
            arxiv_id=text.arxiv_id,
            version=text.version,
            language=language,
            text=body if said else NOT_SAID[language],
            citations=tuple(citations) if said else (),
            said=said,
            dropped=dropped,
        )

    # -- deep summaries ------------------------------------------------------------------------
    def deep_key(self, paper: Paper, language: Language) -> str:
        return keys.deep_summary(
            paper.arxiv_id, paper.version, language, ASK_PROMPT_VERSION, self._model
        )

    async def deep(self, paper: Paper, language: Language) -> DeepSummary:
        """The paper reviewed section by section; quotes of its passages without an LLM."""
        text = await self._fulltext.get(paper.arxiv_id, paper.version)
        try:
            flight = await self._flight.run(
                self.deep_key(paper, language), lambda: self._deep_payload(text, language)
            )
        except FlightTimeoutError as exc:
            log.warning("deep summary of %s not ready: %s", paper.versioned_id, exc)
            return _deep_quotes(text, language)
        return DeepSummary.model_validate_json(flight.value)

    async def _deep_payload(self, text: FullText, language: Language) -> tuple[bytes, bool]:
        try:
            deep = await self._llm_deep(text, language)
        except LLMError as exc:
            level = logging.DEBUG if self._client is None else logging.WARNING
            log.log(level, "deep summary of %s as quotes: %s", text.arxiv_id, exc)
            return _deep_quotes(text, language).model_dump_json().encode(), False
        return deep.model_dump_json().encode(), True

    async def _llm_deep(self, text: FullText, language: Language) -> DeepSummary:
        if not await self._llm_allowed():
            raise LLMError("no API key or the monthly token budget is spent")
        sent = within_budget(coverage_order(self._index(text).passages), 2 * self._context)
        raw = parse_output(
            await self._complete(deep_messages(text.title, sent, language), DEEP_SCHEMA), _LLMDeep
        )
        parts: dict[str, Any] = {}
        dropped = 0
        for part in DEEP_PARTS:
            points = getattr(raw, part)
            kept = [p for p in (_deep_point(point, sent, language) for point in points) if p]
            parts[part] = tuple(kept)
            dropped += len(points) - len(kept)
        if not any(parts.values()):
            raise LLMError("no bullet of the deep summary is grounded in the paper")
        return DeepSummary(
            arxiv_id=text.arxiv_id,
            version=text.version,
            language=language,
            dropped=dropped,
            **parts,
        )

    # -- the LLM -------------------------------------------------------------------------------
    async def _llm_allowed(self) -> bool:
        return self._client is not None and not await self.usage.over_budget()

    async def _complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        """The model's text; LLMError naming the cause for anything unusable."""
        if self._client is None:
            raise LLMError("no API key configured")
        try:
            response = await self._client.chat.completions.create(
                model=self._model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                response_format=cast("ResponseFormat", schema),
                timeout=self._timeout,
            )
        except openai.APITimeoutError:
            metrics.llm_call(None, ok=False)
            raise LLMError(f"timed out after {self._timeout:g}s") from None
        except (openai.OpenAIError, ValueError) as exc:
            metrics.llm_call(None, ok=False)
            raise LLMError(f"the LLM call failed ({type(exc).__name__})") from None
        if not isinstance(response, ChatCompletion):
            raise LLMError("the response is not a chat completion")
        metrics.llm_call(response.usage)
        await self.usage.add(response.usage)
        self.last_prompt_tokens = response.usage.prompt_tokens if response.usage else 0
        return _content(response)


def _content(response: ChatCompletion) -> str:
    if not response.choices:
        raise LLMError("the response has no choices")
    choice = response.choices[0]
    if choice.message.refusal or choice.finish_reason == "length" or not choice.message.content:
        raise LLMError("the model refused, was cut off or said nothing")
    return choice.message.content


def _deep_point(point: _LLMPoint, sent: Sequence[Passage], language: Language) -> DeepPoint | None:
    text = clean(point.text)
    cited = cited_passages(point.section, sent)
    if not text or not cited or not in_language(text, language):
        return None
    if _numbers_missing(text, [p.text for p in cited]):
        return None
    return DeepPoint(text=text, where=cited[0].section)


def _quotes(text: FullText, candidates: Sequence[Passage], language: Language) -> Answer:
    best = list(candidates[:QUOTES])
    return Answer(
        arxiv_id=text.arxiv_id,
        version=text.version,
        language=language,
        text="",
        citations=tuple(Citation(where=p.where, quote=clean(p.text)) for p in best),
        source="quotes",
    )


def _deep_quotes(text: FullText, language: Language) -> DeepSummary:
    """Without an LLM: the abstract as the problem, the last section's first passage as results."""
    passages = split_passages(text)
    first = [p for p in passages if p.section == "Abstract"][:1] or passages[:1]
    last = [p for p in passages if p.section == passages[-1].section][:1] if passages else []
    return DeepSummary(
        arxiv_id=text.arxiv_id,
        version=text.version,
        language=language,
        problem=tuple(DeepPoint(text=p.text, where=p.where) for p in first),
        results=tuple(DeepPoint(text=p.text, where=p.where) for p in last if p not in first),
        source="quotes",
    )


def prompt_tokens(messages: Sequence[dict[str, str]]) -> int:
    """Tokens of a chat request as tiktoken counts them (content only, plus a few per message)."""
    return sum(count_tokens(m["content"]) + 4 for m in messages)


__all__ = [
    "NOT_SAID",
    "Answer",
    "Citation",
    "DeepPoint",
    "DeepSummary",
    "PaperQA",
    "ThreadMemory",
    "Turn",
    "detect_language",
]
