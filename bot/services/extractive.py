"""Extractive fallbacks: a summary and a trend paragraph built from the papers alone.

Pure functions, no I/O. Used when there is no API key, the LLM fails or the token budget is
spent, so a reader always gets something true instead of silence. Sentences are the abstract's
own (the text is English whatever the requested language, and labelled `extractive`); tags come
from Hugging Face's `ai_keywords`, then arXiv categories, then frequent title terms. The trend
paragraph uses a template per language naming the week's common themes and top titles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.domain import Language, Paper, Summary
from bot.text import clean, sentences

MAX_POINTS = 5
MAX_TAGS = 6
_MIN_WORDS = 6
_TLDR_CHARS = 320
_TAG_CHARS = 40

_ABBREVIATIONS = ("et al.", "e.g.", "i.e.", "vs.", "Fig.", "Eq.", "cf.", "resp.", "approx.")
_TAG_JUNK = re.compile(r"[^\w]+")
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{3,}")
_STOPWORD_TEXT = (
    "with from that this their these into over under towards toward about through using via "
    "based what when where which while your than more less large scale learning model models "
    "approach method methods paper study analysis beyond without"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

CATEGORY_NAMES: dict[str, str] = {
    "cs.CL": "natural language processing",
    "cs.CV": "computer vision",
    "cs.LG": "machine learning",
    "stat.ML": "machine learning",
    "cs.AI": "artificial intelligence",
    "cs.RO": "robotics",
    "cs.IR": "information retrieval",
    "cs.CR": "security",
    "cs.NE": "neural networks",
    "cs.HC": "human computer interaction",
    "cs.SD": "audio",
    "eess.AS": "speech",
    "eess.IV": "image processing",
    "cs.MA": "multi agent systems",
    "cs.SE": "software engineering",
    "cs.DC": "distributed computing",
}


def normalize_tag(raw: str) -> str | None:
    """`Large Language Models` -> `#large_language_models`; CJK kept; None when nothing is left."""
    body = _TAG_JUNK.sub("_", raw.strip().lstrip("#").lower()).strip("_")
    body = re.sub(r"_+", "_", body)[:_TAG_CHARS].strip("_")
    return f"#{body}" if body else None


def normalize_tags(raw: Iterable[str], limit: int = MAX_TAGS) -> tuple[str, ...]:
    """Normalised, deduplicated tags in order, at most `limit`."""
    out: list[str] = []
    for item in raw:
        tag = normalize_tag(item)
        if tag and tag not in out:
            out.append(tag)
    return tuple(out[:limit])


def _merge_fragments(parts: list[str]) -> list[str]:
    """Rejoin sentences the splitter cut after an abbreviation or before a lowercase word."""
    merged: list[str] = []
    for part in parts:
        if merged and (part[0].islower() or merged[-1].endswith(_ABBREVIATIONS)):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def abstract_sentences(abstract: str) -> list[str]:
    return _merge_fragments(sentences(clean(abstract)))


def _informative(sentence: str) -> bool:
    return len(sentence.split()) >= _MIN_WORDS and "http" not in sentence


def split_abstract(abstract: str) -> tuple[str, list[str]]:
    """(tldr = the first one or two sentences, key points = the next informative ones)."""
    parts = abstract_sentences(abstract)
    if not parts:
        return "", []
    used = 2 if len(parts) > 1 and len(parts[0]) + len(parts[1]) < _TLDR_CHARS else 1
    tldr = " ".join(parts[:used])
    points = [s for s in parts[used:] if _informative(s)]
    return tldr, points[:MAX_POINTS]


def title_terms(title: str) -> list[str]:
    """Content words of a title, most frequent first (ties in title order)."""
    words = [w.lower() for w in _TITLE_WORD.findall(clean(title))]
    counts = Counter(w for w in words if w not in _STOPWORDS)
    return [w for w, _ in counts.most_common()]


def _tag_sources(paper: Paper) -> Iterable[str]:
    yield from paper.ai_keywords
    yield from (CATEGORY_NAMES.get(c, c) for c in paper.categories)
    yield from title_terms(paper.title)


def paper_tags(paper: Paper) -> tuple[str, ...]:
    """3-6 tags: ai_keywords first, topped up from categories, then title terms."""
    return normalize_tags(_tag_sources(paper))


def extractive_summary(paper: Paper, language: Language) -> Summary:
    """A summary made of the abstract's own sentences, labelled `extractive`."""
    tldr, points = split_abstract(paper.abstract)
    return Summary(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        language=language,
        title_translated=None,
        tldr=tldr or clean(paper.title) or paper.arxiv_id,
        key_points=tuple(points),
        tags=paper_tags(paper),
        source="extractive",
    )


# -- the week's trend paragraph ------------------------------------------------------------------

_TREND: dict[Language, tuple[str, str, str]] = {
    "en": (
        "This week's {n} picks centre on {themes}.",
        "Leading the list: {titles}.",
        "No papers were picked this week.",
    ),
    "ko": (
        "이번 주 선정된 논문 {n}편은 주로 {themes}을(를) 다룹니다.",
        "주요 논문: {titles}.",
        "이번 주에는 선정된 논문이 없습니다.",
    ),
    "ja": (
        "今週選ばれた{n}本の論文は主に{themes}を扱っています。",
        "注目の論文：{titles}。",
        "今週選ばれた論文はありません。",
    ),
    "zh": ("本周精选的{n}篇论文主要涉及{themes}。", "重点论文：{titles}。", "本周没有精选论文。"),
}
_SEPARATOR: dict[Language, str] = {"en": ", ", "ko": ", ", "ja": "、", "zh": "、"}
_QUOTES: dict[Language, tuple[str, str]] = {
    "en": ("“", "”"),
    "ko": ("“", "”"),
    "ja": ("「", "」"),
    "zh": ("“", "”"),
}


def _paper_themes(paper: Paper) -> list[str]:
    if paper.ai_keywords:
        return [clean(k).lower() for k in paper.ai_keywords]
    if paper.categories:
        return [CATEGORY_NAMES.get(c, c) for c in paper.categories]
    return title_terms(paper.title)[:3]


def common_themes(papers: Sequence[Paper], limit: int = 3) -> list[str]:
    """The themes most papers share (each paper counts a theme once)."""
    counts = Counter(t for p in papers for t in dict.fromkeys(_paper_themes(p)) if t)
    return [theme for theme, _ in counts.most_common(limit)]


def trend_paragraph(papers: Sequence[Paper], language: Language, top: int = 3) -> str:
    """A two-sentence paragraph in `language` naming the common themes and the top titles."""
    themes_tpl, titles_tpl, empty = _TREND[language]
    if not papers:
        return empty
    sep, (left, right) = _SEPARATOR[language], _QUOTES[language]
    themes = sep.join(common_themes(papers)) or sep.join(clean(p.title) for p in papers[:1])
    titles = sep.join(f"{left}{clean(p.title)}{right}" for p in papers[:top])
    first = themes_tpl.format(n=len(papers), themes=themes)
    joiner = "" if language in ("ja", "zh") else " "
    return clean(first + joiner + titles_tpl.format(titles=titles))
