"""Extractive fallbacks: a summary and a trend paragraph built from the papers alone.

Pure functions, no I/O. Used when there is no API key, the LLM fails or the token budget is
spent, so a reader always gets something true instead of silence. Sentences are the abstract's
own (the text is English whatever the requested language, and labelled `extractive`); tags come
from Hugging Face's `ai_keywords`, the arXiv categories (short names) and key phrases of the
abstract (YAKE, which runs offline on the text alone). The trend paragraph names the themes the
week's papers share and the top titles, from a template per language.

Paper text goes through `clean_tex` (idempotent, so papers the sources already cleaned are
unchanged). User-facing sentences are gettext messages (`bot.i18n`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import yake

from bot.domain import Language, Paper, Summary
from bot.i18n import language_name, t, tn
from bot.text import clean_tex, sentences

MAX_POINTS = 5
MAX_TAGS = 6
_MAX_KEYWORD_TAGS = 4
_MAX_CATEGORY_TAGS = 2
_MIN_WORDS = 6
_TLDR_CHARS = 320
_TAG_CHARS = 40

_TAG_JUNK = re.compile(r"[^\w]+")
_PHRASE_WORD = re.compile(r"\w+(?:['-]\w+)*")
# Words that make a YAKE candidate a fragment of a sentence rather than a topic
# ("paper introduces AIM", "improving their predictions", "survey aims").
_NOT_TOPIC_TEXT = (
    "paper papers work study survey we our their its this these those that which present "
    "presents introduce introduces propose proposes show shows find finds aim aims highlight "
    "highlighting achieve achieves improve improves improving explain learn learns enable "
    "enables allow allows use uses using based can may significantly sometimes also new novel "
    "results approach method methods task tasks key encounter across while when how "
    "discuss outstrips large small complex simple nontrivial depth various different "
    "of and or the a an in on for to with by from as at into vs not no"  # stop words
)
_NOT_TOPIC = frozenset(_NOT_TOPIC_TEXT.split())

# Short readable names of the arXiv categories ML papers come from (tags and trend themes).
CATEGORY_TAGS: dict[str, str] = {
    "cs.CL": "nlp",
    "cs.CV": "computer_vision",
    "cs.LG": "machine_learning",
    "stat.ML": "machine_learning",
    "cs.AI": "ai",
    "cs.RO": "robotics",
    "cs.IR": "information_retrieval",
    "cs.CR": "security",
    "cs.NE": "neural_networks",
    "cs.HC": "hci",
    "cs.SD": "audio",
    "eess.AS": "speech",
    "eess.IV": "image_processing",
    "cs.MA": "multi_agent",
    "cs.SE": "software_engineering",
    "cs.DC": "distributed_computing",
    "cs.GR": "graphics",
    "cs.MM": "multimedia",
    "cs.CY": "ai_and_society",
    "math.OC": "optimization",
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


def abstract_sentences(abstract: str) -> list[str]:
    return sentences(clean_tex(abstract))


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


# -- tags --------------------------------------------------------------------------------------------
@cache
def _extractor() -> yake.KeywordExtractor:
    return yake.KeywordExtractor(lan="en", n=3, dedup_lim=0.7, top=30)


def _is_topic(phrase: str) -> bool:
    """Two or three content words: a topic, not a sentence fragment."""
    words = [w.lower() for w in _PHRASE_WORD.findall(phrase)]
    if len(words) < 2 or any(w in _NOT_TOPIC or w.isdigit() for w in words):
        return False
    return not (words[0].endswith(("ing", "ly")) or words[-1].endswith("ly"))


def _phrase_key(phrase: str) -> str:
    """Case and plural folded: `Language Models` and `language model` are one phrase."""
    return " ".join(w.lower().removesuffix("s") for w in _PHRASE_WORD.findall(phrase))


def key_phrases(paper: Paper, limit: int = 4) -> list[str]:
    """Multi-word topic phrases of the abstract (the title when there is none), best first."""
    text = clean_tex(paper.abstract) or clean_tex(paper.title)
    if not text:
        return []
    found: dict[str, str] = {}
    for phrase, _score in _extractor().extract_keywords(text):
        key = _phrase_key(phrase)
        if _is_topic(phrase) and not any(key in k or k in key for k in found):
            found[key] = " ".join(_PHRASE_WORD.findall(phrase.lower()))
    return list(found.values())[:limit]


def category_names(paper: Paper) -> list[str]:
    """Short names of the paper's known categories, primary first (`cs.CL` -> `nlp`)."""
    ordered = dict.fromkeys([*filter(None, [paper.primary_category]), *paper.categories])
    names = (CATEGORY_TAGS.get(c) for c in ordered)
    return list(dict.fromkeys(name for name in names if name))


def _tag_sources(paper: Paper) -> Iterable[str]:
    yield from paper.ai_keywords[:_MAX_KEYWORD_TAGS]
    yield from category_names(paper)[:_MAX_CATEGORY_TAGS]
    yield from key_phrases(paper)


def paper_tags(paper: Paper) -> tuple[str, ...]:
    """Up to 6 tags: HF keywords, then category names, then key phrases of the abstract."""
    return normalize_tags(_tag_sources(paper))


def extractive_summary(paper: Paper, language: Language) -> Summary:
    """A summary made of the abstract's own sentences, labelled `extractive`."""
    tldr, points = split_abstract(paper.abstract)
    return Summary(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        language=language,
        title_translated=None,
        tldr=tldr or clean_tex(paper.title) or paper.arxiv_id,
        key_points=tuple(points),
        tags=paper_tags(paper),
        source="extractive",
    )


# -- the week's trend paragraph ------------------------------------------------------------------

_SEPARATOR: dict[Language, str] = {"en": ", ", "ko": ", ", "ja": "、", "zh": "、"}
_QUOTES: dict[Language, tuple[str, str]] = {
    "en": ("“", "”"),
    "ko": ("“", "”"),
    "ja": ("「", "」"),
    "zh": ("“", "”"),
}


def no_key_hint(language: Language) -> str:
    """One line, in `language`, saying that an API key brings summaries in that language."""
    return t(
        "Tip: with an LLM API key (OPENAI_API_KEY), Paperboy summarises every paper in {language}.",
        language,
        language=language_name(language, language),
    )


def _paper_themes(paper: Paper) -> list[str]:
    """Keywords (else key phrases), then category names: what the paper is about."""
    topics = [clean_tex(k).lower() for k in paper.ai_keywords] or key_phrases(paper)
    return [*topics, *(name.replace("_", " ") for name in category_names(paper))]


def _words_key(text: str) -> str:
    return f" {_phrase_key(text)} "


def common_themes(papers: Sequence[Paper], limit: int = 3) -> list[str]:
    """The themes that most of the papers are about, drawn from every paper's themes.

    A theme counts for each paper whose title, abstract or themes mention it, so a phrase one
    paper yields is credited to every other paper that uses it too. Too few shared themes are
    topped up with the leading theme of each paper in rank order.
    """
    themes = [_paper_themes(p) for p in papers]
    texts = [
        _words_key(f"{p.title} {p.abstract} {' '.join(t)}")
        for p, t in zip(papers, themes, strict=True)
    ]
    candidates = list(dict.fromkeys(theme for paper_themes in themes for theme in paper_themes))
    reach = {c: sum(_words_key(c) in text for text in texts) for c in candidates}
    picked: list[str] = []
    for candidate in sorted(candidates, key=lambda c: -reach[c]):
        if reach[candidate] >= 2 and not _overlaps(candidate, picked):
            picked.append(candidate)
    for paper_themes in themes:  # the leading theme of each paper, for a week of loners
        leading = paper_themes[0] if paper_themes else None
        if leading and not _overlaps(leading, picked):
            picked.append(leading)
    return picked[:limit]


def _overlaps(theme: str, picked: Sequence[str]) -> bool:
    key = _words_key(theme)
    return any(key in _words_key(p) or _words_key(p) in key for p in picked)


def trend_paragraph(
    papers: Sequence[Paper], language: Language, top: int = 3, *, hint: bool = False
) -> str:
    """A paragraph in `language` naming the common themes and the top titles (+ the key hint)."""
    joiner = "" if language in ("ja", "zh") else " "
    tail = joiner + no_key_hint(language) if hint else ""
    if not papers:
        return t("No papers were picked this week.", language) + tail
    sep, (left, right) = _SEPARATOR[language], _QUOTES[language]
    themes = sep.join(common_themes(papers)) or clean_tex(papers[0].title)
    titles = sep.join(f"{left}{clean_tex(p.title)}{right}" for p in papers[:top])
    first = tn(
        "This week's {n} pick centres on {themes}.",
        "This week's {n} picks centre on {themes}.",
        len(papers),
        language,
        themes=themes,
    )
    leading = t("Leading the list: {titles}.", language, titles=titles)
    return clean_tex(first + joiner + leading + tail)
