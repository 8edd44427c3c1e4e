"""Papers cached in Redis for a day, and a permanent index of every paper Paperboy has seen.

The day cache (`pb:paper:{id}`, stored under the bare and the versioned id) is what makes "a
paper fetched once is not fetched again for a day" true across processes. The known-paper index
(`pb:known`, a hash id -> Paper JSON, never expiring) lets a keyword query also match papers
the team already met in a digest or a chat, even when arXiv's relevance ranking buries them.

Records from arXiv and from Hugging Face are merged, never overwritten: bibliographic fields come
from the newest arXiv version, community fields (upvotes, code, project page, keywords) from the
freshest Hugging Face answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from pydantic import ValidationError
from redis.asyncio import Redis

from bot import keys as redis_keys
from bot.domain import Paper
from bot.services.aio import done

log = logging.getLogger(__name__)

KNOWN_KEY = redis_keys.KNOWN_PAPERS
COMMUNITY_FIELDS = ("upvotes", "github_repo", "project_page", "ai_keywords")
_TOKEN = re.compile(r"\w+")
_STOPWORD_LIST = (
    "a an and are as at be by for from in into is it of on or the to via with we our using "
    "towards toward what how"
)
_STOPWORDS = frozenset(_STOPWORD_LIST.split())


def paper_key(arxiv_id: str) -> str:
    return redis_keys.paper(arxiv_id)


def combine(old: Paper | None, new: Paper) -> Paper:
    """`new` merged into `old`: newest arXiv version's bibliography, HF's latest community data."""
    if old is None:
        return new
    newer, other = (new, old) if (new.version or 0) >= (old.version or 0) else (old, new)
    merged = newer.merged(other)
    community = {
        name: getattr(new, name)
        for name in COMMUNITY_FIELDS
        if getattr(new, name) not in (None, ())
    }
    if not community:
        return merged
    return Paper.model_validate({**merged.model_dump(), **community})


def tokens(text: str) -> set[str]:
    """Lower-case words of `text` that carry meaning (stopwords and 1-letter words dropped)."""
    words = {word.lower() for word in _TOKEN.findall(text)}
    return {word for word in words if len(word) > 1 and word not in _STOPWORDS}


def _load(raw: bytes | str | None) -> Paper | None:
    if raw is None:
        return None
    try:
        return Paper.model_validate_json(raw)
    except ValidationError:
        log.warning("ignoring an unreadable cached paper record")
        return None


def _seed(bare: Paper | None, paper: Paper) -> Paper | None:
    """What a new versioned record starts from: the bare record, if it is not another version."""
    return bare if bare is not None and bare.version in (None, paper.version) else None


class PaperCache:
    """Day cache and known-paper index over one Redis; every key starts with `pb:`."""

    def __init__(self, redis: Redis, ttl: int = 86400) -> None:
        self.redis = redis
        self.ttl = ttl

    async def get_many(self, ids: Sequence[str]) -> dict[str, Paper]:
        """Cached papers keyed by the id as asked (bare or versioned); misses are absent."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        raws = await self.redis.mget([paper_key(i) for i in unique])
        found = {i: _load(raw) for i, raw in zip(unique, raws, strict=True)}
        return {i: paper for i, paper in found.items() if paper is not None}

    async def put_many(self, papers: Iterable[Paper]) -> None:
        """Cache `papers` for `ttl` seconds under bare and versioned ids, and remember them.

        A paper without a version (Hugging Face's) also lands in the cached arXiv version's
        record, so a versioned look-up sees the upvotes too. Read-merge-write without a
        transaction: two writers racing may drop one side's upvotes until the next write,
        which a cache can afford.
        """
        batch = list(papers)
        if not batch:
            return
        bare = await self._read({paper_key(p.arxiv_id) for p in batch})
        targets = [(p, self._targets(p, bare[paper_key(p.arxiv_id)])) for p in batch]
        olds = bare | await self._read({k for _, keys in targets for k in keys} - bare.keys())
        records: dict[str, Paper] = {}
        for paper, keys in targets:
            bare_record = records.get(keys[0]) or olds[keys[0]]
            for key in keys:
                old = records.get(key) or olds[key] or _seed(bare_record, paper)
                records[key] = combine(old, paper)
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, record in records.items():
                pipe.set(key, record.model_dump_json(), ex=self.ttl)
            await pipe.execute()
        await self.remember(batch)

    async def remember(self, papers: Iterable[Paper]) -> None:
        """Add `papers` to the permanent known-paper index, merged with what it already holds."""
        batch = list(papers)
        if not batch:
            return
        ids = list(dict.fromkeys(paper.arxiv_id for paper in batch))
        olds = await done(self.redis.hmget(KNOWN_KEY, ids))
        records = {i: _load(old) for i, old in zip(ids, olds, strict=True)}
        for paper in batch:
            records[paper.arxiv_id] = combine(records[paper.arxiv_id], paper)
        mapping = {i: p.model_dump_json() for i, p in records.items() if p is not None}
        await done(self.redis.hset(KNOWN_KEY, mapping=mapping))

    async def known(self, arxiv_id: str) -> Paper | None:
        """The index's record of one paper (bare id), or None."""
        return _load(await done(self.redis.hget(KNOWN_KEY, arxiv_id)))

    async def known_matches(self, query: str, limit: int) -> list[Paper]:
        """Known papers whose title (and HF keywords) share words with `query`, best first.

        A paper matches when it holds at least half of the query's meaningful words; ties go to
        more upvotes. This scans the whole hash (HSCAN), which is fine for the few thousand
        papers a team meets in a year; past ~100k papers, build an inverted index
        (`pb:known:word:{w}` sets) or use RediSearch instead.
        """
        wanted = tokens(query)
        if not wanted or limit <= 0:
            return []
        scored: list[tuple[float, int, Paper]] = []
        async for _, raw in self.redis.hscan_iter(KNOWN_KEY, count=500):
            paper = _load(raw)
            if paper is None:
                continue
            score = len(wanted & tokens(f"{paper.title} {' '.join(paper.ai_keywords)}"))
            if score and score * 2 >= len(wanted):
                scored.append((score / len(wanted), paper.upvotes or 0, paper))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [paper for _, _, paper in scored[:limit]]

    async def _read(self, keys: set[str]) -> dict[str, Paper | None]:
        ordered = sorted(keys)
        raws = await self.redis.mget(ordered) if ordered else []
        return dict(zip(ordered, map(_load, raws), strict=True))

    @staticmethod
    def _targets(paper: Paper, cached: Paper | None) -> list[str]:
        """Keys `paper` is written under: bare, plus its own or the cached record's version."""
        version = paper.version or (cached.version if cached else None)
        keys = [paper_key(paper.arxiv_id)]
        if version:
            keys.append(paper_key(f"{paper.arxiv_id}v{version}"))
        return keys
