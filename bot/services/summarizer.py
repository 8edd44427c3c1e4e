"""The LLM summariser: structured summaries and trend paragraphs, cached once per key, grounded.

One LLM call per (arXiv id, version, language, prompt version, model) ever: the result is cached
in Redis without expiry, and concurrent requests for the same key, in this process or another,
share one call through `SingleFlight`. Whatever the LLM says is parsed against a schema, cut to
the promised sizes, checked for the requested language, grounded against the abstract and
sanitised. Every failure (no key, budget spent, timeout, 429/5xx after the client's retries,
connection errors, garbage or off-schema output) becomes an extractive summary that is labelled
as such, logged with its cause in one line, shared with the callers waiting on the same attempt,
and never cached under the LLM key, so the next request tries the LLM again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import openai
import redis.asyncio as aioredis
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import keys, metrics
from bot.domain import Language, Paper, Summary
from bot.ports import PaperSource
from bot.prompts import (
    PROMPT_VERSION,
    SUMMARY_SCHEMA,
    TREND_MAX_PAPERS,
    TREND_SCHEMA,
    summary_messages,
    trend_messages,
)
from bot.services.extractive import (
    MAX_POINTS,
    extractive_summary,
    normalize_tags,
    paper_tags,
    split_abstract,
    trend_paragraph,
)
from bot.services.grounding import evidence, ground, is_supported, paper_evidence
from bot.services.llm_usage import LLMUsage
from bot.services.singleflight import FlightTimeoutError, SingleFlight
from bot.text import clean, clean_tex, sentences

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.chat.completion_create_params import ResponseFormat

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=BaseModel)
_FENCED_JSON = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
_SCRIPT: dict[Language, re.Pattern[str]] = {
    "en": re.compile(r"[A-Za-z]"),
    "ko": re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]"),
    "ja": re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"),
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]"),
}
_KANA = re.compile(r"[\u3040-\u30ff]")
# A Hangul syllable or a Han character carries about as much as three Latin letters, so each
# counts three times when an answer's script share is measured.
_SCRIPT_WEIGHT: dict[Language, int] = {"en": 1, "ko": 3, "ja": 3, "zh": 3}
# Korean notes full of English terms and acronyms measure 0.4 and up (the Korean seed); an answer
# that turns English after its first sentence measures under 0.35.
MIN_SCRIPT_SHARE = 0.4
_LONG_SENTENCE_LETTERS = 20
_TREND_SENTENCES = 4


class LLMError(Exception):
    """Why the LLM's answer could not be used; the message is the cause that gets logged."""


@dataclass
class SummarizerStats:
    """Per-instance counters for benchmarks; Redis (`LLMUsage`) holds the cross-process truth."""

    llm_calls: int = 0
    cache_hits: int = 0
    fallbacks: int = 0


class _LLMSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title_translated: str | None = None
    tldr: str = Field(min_length=1)
    key_points: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)


class _LLMTrend(BaseModel):
    model_config = ConfigDict(extra="ignore")

    paragraph: str = Field(min_length=1)


def script_share(text: str, language: Language) -> float:
    """The weighted share of `language`'s script among all the letters of `text` (1.0: none)."""
    expected = len(_SCRIPT[language].findall(text)) * _SCRIPT_WEIGHT[language]
    others = sum(c.isalpha() for c in text) - expected // _SCRIPT_WEIGHT[language]
    return expected / (expected + others) if expected + others else 1.0


def in_language(text: str, language: Language, *, titles: Sequence[str] = ()) -> bool:
    """Whether the whole of `text` is written in `language`, not just its start.

    The script must make most of the letters (acronyms, paper names and numbers inside Korean
    text are fine, and cited `titles` are left out), no long sentence may lack it, and Japanese
    needs kana (Han alone is Chinese).
    """
    for title in titles:
        text = text.replace(title, " ")
    if script_share(text, language) < MIN_SCRIPT_SHARE:
        return False
    if language == "ja" and not _KANA.search(text):
        return False
    return all(_has_script(sentence, language) for sentence in sentences(text))


def _has_script(sentence: str, language: Language) -> bool:
    letters = sum(c.isalpha() for c in sentence)
    return letters < _LONG_SENTENCE_LETTERS or script_share(sentence, language) > 0


def join_sentences(parts: Sequence[str], language: Language) -> str:
    return ("" if language in ("ja", "zh") else " ").join(parts)


def parse_output(content: str, schema: type[_M]) -> _M:
    """The model's JSON (tolerating a ```json fence) validated against `schema`."""
    fenced = _FENCED_JSON.match(content)
    try:
        return schema.model_validate_json(fenced.group(1) if fenced else content)
    except ValidationError as exc:
        raise LLMError(f"output does not match the schema ({exc.error_count()} errors)") from None


class LLMSummarizer:
    """`bot.ports.Summarizer` over any OpenAI-compatible endpoint; `client=None` = extractive."""

    def __init__(
        self,
        client: openai.AsyncOpenAI | None,
        redis: aioredis.Redis,
        *,
        model: str,
        timeout: float = 20.0,
        monthly_token_budget: int | None = None,
        prompt_version: str = PROMPT_VERSION,
        papers: PaperSource | None = None,
    ) -> None:
        self._client = client
        self._papers = papers
        self._model = model
        self._timeout = timeout
        self._prompt_version = prompt_version
        self.usage = LLMUsage(redis, monthly_token_budget=monthly_token_budget)
        self.stats = SummarizerStats()
        retries = client.max_retries if client is not None else 0
        # The leader keeps its lock alive; followers wait as long as every retry may take.
        self._flight = SingleFlight(
            redis, lock_ttl=max(30.0, 2 * timeout), wait_timeout=(retries + 1) * (timeout + 10) + 10
        )

    # -- cache keys ------------------------------------------------------------------------------
    def summary_key(self, paper: Paper, language: Language) -> str:
        # Version 0 (arXiv numbers from 1) stands for "unknown": only when it could not be learnt.
        version = paper.version or 0
        return keys.summary(paper.arxiv_id, version, language, self._prompt_version, self._model)

    def trend_key(self, papers: Sequence[Paper], language: Language) -> str:
        ids = ",".join(sorted(p.arxiv_id for p in papers))
        digest = hashlib.sha256(ids.encode()).hexdigest()[:24]
        return keys.trend(digest, language, self._prompt_version, self._model)

    async def with_version(self, paper: Paper) -> Paper:
        """`paper` with its current arXiv version, so every path shares one cache key.

        Hugging Face papers carry no version; the paper source (batched, cached) knows it. When
        it cannot tell, the paper stays as it is and is cached under `latest`.
        """
        if paper.version is not None or self._papers is None:
            return paper
        try:
            found = await self._papers.fetch([paper.arxiv_id])
        except Exception as exc:  # any source failure only costs the shared cache key
            log.info("version of %s unknown (%s); caching under latest", paper.arxiv_id, exc)
            return paper
        known = found.get(paper.arxiv_id)
        return paper.merged(known) if known is not None and known.version else paper

    # -- summaries -------------------------------------------------------------------------------
    async def summarize(self, paper: Paper, language: Language) -> Summary:
        """The paper's summary in `language`: cached, else one shared LLM call, else extractive."""
        paper = await self.with_version(paper)
        try:
            flight = await self._flight.run(
                self.summary_key(paper, language), lambda: self._summary_payload(paper, language)
            )
        except FlightTimeoutError as exc:
            return self._fallback_summary(paper, language, str(exc))
        if not flight.led:
            self.stats.cache_hits += 1
            metrics.LLM_CACHE_HITS.inc()
        return Summary.model_validate_json(flight.value)

    async def _summary_payload(self, paper: Paper, language: Language) -> tuple[bytes, bool]:
        try:
            summary = await self._llm_summary(paper, language)
        except LLMError as exc:
            fallback = self._fallback_summary(paper, language, str(exc))
            return fallback.model_dump_json().encode(), False
        return summary.model_dump_json().encode(), True

    def _fallback_summary(self, paper: Paper, language: Language, cause: str) -> Summary:
        level = logging.DEBUG if self._client is None else logging.WARNING  # no key: said once
        log.log(level, "extractive summary for %s in %s: %s", paper.versioned_id, language, cause)
        self.stats.fallbacks += 1
        metrics.LLM_FALLBACKS.inc()
        return extractive_summary(paper, language)

    async def _llm_summary(self, paper: Paper, language: Language) -> Summary:
        content = await self._complete(summary_messages(paper, language), SUMMARY_SCHEMA)
        return self._build_summary(paper, language, parse_output(content, _LLMSummary))

    def _build_summary(self, paper: Paper, language: Language, raw: _LLMSummary) -> Summary:
        """Sizes enforced, language checked, claims grounded, text sanitised (never LaTeX'd)."""
        tldr = join_sentences(sentences(clean(raw.tldr))[:2], language)
        points = list(dict.fromkeys(p for p in (clean(k) for k in raw.key_points) if p))
        answer = join_sentences([tldr, *points], language)
        if not in_language(answer, language, titles=[clean_tex(paper.title)]):
            raise LLMError(f"output is not in the requested language ({language})")
        grounded = ground(tldr, points, paper_evidence(paper))
        if grounded.dropped:
            log.info("dropped %d ungrounded claims from %s", grounded.dropped, paper.versioned_id)
        tags = normalize_tags(raw.tags)
        return Summary(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            language=language,
            title_translated=(clean(raw.title_translated) or None) if language != "en" else None,
            tldr=grounded.tldr or split_abstract(paper.abstract)[0] or clean_tex(paper.title),
            key_points=grounded.key_points[:MAX_POINTS],
            tags=tags if len(tags) >= 3 else normalize_tags([*tags, *paper_tags(paper)]),
            source="llm",
            model=self._model,
            ungrounded_dropped=grounded.dropped,
        )

    # -- the week's trend ------------------------------------------------------------------------
    async def trend(self, papers: Sequence[Paper], language: Language) -> tuple[str, bool]:
        """A 2-4 sentence paragraph on the picks and whether the LLM wrote it; never empty."""
        picks = list(papers)[:TREND_MAX_PAPERS]
        if not picks:
            return self._extractive_trend(picks, language), False
        try:
            flight = await self._flight.run(
                self.trend_key(picks, language), lambda: self._trend_payload(picks, language)
            )
        except FlightTimeoutError as exc:
            return self._fallback_trend(picks, language, str(exc)), False
        if not flight.led:
            self.stats.cache_hits += 1
            metrics.LLM_CACHE_HITS.inc()
        data = json.loads(flight.value)
        return str(data["text"]), bool(data["llm"])

    async def _trend_payload(self, papers: list[Paper], language: Language) -> tuple[bytes, bool]:
        try:
            text, used_llm = await self._llm_trend(papers, language), True
        except LLMError as exc:
            text, used_llm = self._fallback_trend(papers, language, str(exc)), False
        payload = json.dumps({"text": text, "llm": used_llm}, ensure_ascii=False)
        return payload.encode(), used_llm

    def _fallback_trend(self, papers: list[Paper], language: Language, cause: str) -> str:
        level = logging.DEBUG if self._client is None else logging.WARNING
        log.log(level, "extractive trend for %d papers in %s: %s", len(papers), language, cause)
        self.stats.fallbacks += 1
        metrics.LLM_FALLBACKS.inc()
        return self._extractive_trend(papers, language)

    def _extractive_trend(self, papers: list[Paper], language: Language) -> str:
        """The template paragraph; without a key it ends with the hint that a key helps."""
        return trend_paragraph(papers, language, hint=self._client is None)

    async def _llm_trend(self, papers: list[Paper], language: Language) -> str:
        content = await self._complete(trend_messages(papers, language), TREND_SCHEMA)
        parts = sentences(clean(parse_output(content, _LLMTrend).paragraph))
        text = join_sentences(parts, language)
        if not in_language(text, language, titles=[clean_tex(p.title) for p in papers]):
            raise LLMError(f"output is not in the requested language ({language})")
        ev = evidence(
            *(f"{p.title}. {p.abstract}" for p in papers), exclude=[p.arxiv_id for p in papers]
        )
        kept = [s for s in parts if is_supported(s, ev)][:_TREND_SENTENCES]
        if not kept:
            raise LLMError("no sentence of the trend paragraph is grounded in the papers")
        return join_sentences(kept, language)

    # -- the one place that talks to the LLM -----------------------------------------------------
    async def _complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        """The model's text answer; LLMError naming the cause for anything unusable."""
        client = await self._allowed_client()
        self.stats.llm_calls += 1
        try:
            response = await self._counted(client, messages, schema)
        except openai.APITimeoutError:
            raise LLMError(f"timed out after {self._timeout:g}s") from None
        except openai.APIStatusError as exc:
            raise LLMError(f"HTTP {exc.status_code} after the client's retries") from None
        except openai.APIConnectionError:
            raise LLMError("could not connect to the LLM endpoint") from None
        except (openai.OpenAIError, ValueError) as exc:
            raise LLMError(f"unreadable response ({type(exc).__name__})") from None
        if not isinstance(response, ChatCompletion):  # a non-JSON body comes back as a str
            raise LLMError("the response is not a chat completion")
        await self.usage.add(response.usage)
        return _answer_text(response)

    async def _counted(
        self, client: openai.AsyncOpenAI, messages: list[dict[str, str]], schema: dict[str, Any]
    ) -> ChatCompletion | str:
        """One chat completion request, counted in the process metrics (`bot.metrics`)."""
        try:
            response = await client.chat.completions.create(
                model=self._model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                response_format=cast("ResponseFormat", schema),
                timeout=self._timeout,
            )
        except (openai.OpenAIError, ValueError):
            metrics.llm_call(None, ok=False)
            raise
        metrics.llm_call(response.usage if isinstance(response, ChatCompletion) else None)
        return response

    async def _allowed_client(self) -> openai.AsyncOpenAI:
        if self._client is None:
            raise LLMError("no API key configured")
        if await self.usage.over_budget():
            raise LLMError("the monthly token budget is spent")
        return self._client


def _answer_text(response: ChatCompletion) -> str:
    """The first choice's content, refusing refusals, cut-off and empty answers."""
    if not response.choices:
        raise LLMError("the response has no choices")
    choice = response.choices[0]
    if choice.message.refusal:
        raise LLMError("the model refused")
    if choice.finish_reason == "length":
        raise LLMError("the output was cut at the length limit")
    if not choice.message.content:
        raise LLMError("the output is empty")
    return choice.message.content
