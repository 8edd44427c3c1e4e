"""Grounding: the numbers and named benchmarks a summary states must come from the paper.

Pure functions, no I/O. Peer tools' users complain about summaries with invented numbers, so
every claim the LLM makes that carries a number (`5.9%`, `7B`, `2 billion`, `20억`) or a named
benchmark, dataset or model (`GSM8K`, `MMLU`, `CommonsenseQA`, `ImageNet-1k`, `WMT'23`) is looked
up in the title and abstract. Matching is lenient on form and strict on value: `5.9 %` equals
`5.9%`, `1,000` equals `1000`, `7B` equals `7 billion` and `70억`; `ImageNet` is supported by
`ImageNet-1k`; an acronym is supported by the words it abbreviates (`CPO` by "Contrastive
Preference Optimization"). Numbers inside the paper's own arXiv id never count as support.
Output in Korean, Japanese or Chinese works the same way: numbers stay digits and names stay
ASCII there.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from bot.domain import Paper
from bot.text import clean_tex

_URL = re.compile(r"https?://\S+|www\.\S+")
_NUMBER = re.compile(
    r"""
    (?<![A-Za-z0-9_.])(?<![A-Za-z]-)(?<![A-Za-z0-9]['’])
    (?P<value>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?:[\s-]?(?P<unit>%|(?i:percent|thousand|million|billion|trillion)\b
        |[kKMBT](?![A-Za-z0-9])|[xX×](?![A-Za-z0-9])|[억만천亿億万千]))?
    (?![A-Za-z0-9])
    """,
    re.VERBOSE,
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+|(?<=\d)\.\d+)*")
_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+|(?<=\d)\.\d+)*")
_WORD = re.compile(r"[A-Za-z]+")
_JOINERS = re.compile(r"[-'’.]")

_MAGNITUDE: dict[str, int] = {
    "k": 3,
    "thousand": 3,
    "천": 3,
    "千": 3,
    "만": 4,
    "万": 4,
    "m": 6,
    "million": 6,
    "억": 8,
    "亿": 8,
    "億": 8,
    "b": 9,
    "billion": 9,
    "t": 12,
    "trillion": 12,
}
_SMALL_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve"
_NUMBER_WORDS: dict[str, int] = {word: n for n, word in enumerate(_SMALL_NUMBERS.split())} | {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "dozen": 12,
}

# Acronyms any ML summary may use without the abstract spelling them out.
_GENERIC_ACRONYMS = (
    "ai ml dl llm lm vlm mllm nlp cv rl rlhf sft gpu tpu cpu api sota qa cnn rnn gan vae mlp "
    "moe asr tts ocr url pdf ui kv ood iid tl dr tldr"
)
_GENERIC = frozenset(_GENERIC_ACRONYMS.split())


@dataclass(frozen=True)
class Evidence:
    """What the source text supports: number values and normalised names."""

    values: frozenset[Decimal]
    absolutes: frozenset[Decimal]
    terms: frozenset[str]
    words: tuple[str, ...]


@dataclass(frozen=True)
class Grounded:
    """The claims that survived; `tldr` is None when the tldr itself was unsupported."""

    tldr: str | None
    key_points: tuple[str, ...]
    dropped: int


class _Number(NamedTuple):
    value: Decimal  # as written: 7 in "7B", 84.0 in "84.0%"
    absolute: Decimal  # with its magnitude: 7E+9 for "7B", "7 billion" and "70억"
    scaled: bool  # it had a magnitude (k, M, B, billion, 억...)


def _numbers(text: str) -> Iterable[_Number]:
    for match in _NUMBER.finditer(_URL.sub(" ", text)):
        value = Decimal(match.group("value").replace(",", ""))
        exponent = _MAGNITUDE.get((match.group("unit") or "").lower(), 0)
        yield _Number(value, value.scaleb(exponent), exponent != 0)


def _number_supported(number: _Number, ev: Evidence) -> bool:
    """A scaled number needs its absolute value; a plain one its value (84% ~ 84.0%)."""
    if number.absolute in ev.absolutes:
        return True
    return not number.scaled and number.value in ev.values


def _norm(token: str) -> str:
    return _JOINERS.sub("", token).lower()


def _terms(text: str) -> set[str]:
    tokens = _TOKEN.findall(_URL.sub(" ", text))
    terms = {_norm(t) for t in tokens}
    terms.update(_norm(part) for t in tokens for part in re.split(r"[-'’]", t))
    terms.update(_norm(a + b) for a, b in itertools.pairwise(tokens))
    return terms


def evidence(*texts: str, exclude: Sequence[str] = ()) -> Evidence:
    """Evidence from source texts; strings in `exclude` (an arXiv id) are removed first."""
    text = " ".join(clean_tex(t) for t in texts)  # paper text: LaTeX rendered as shown
    for needle in exclude:
        if needle:
            text = text.replace(needle, " ")
    numbers = list(_numbers(text))
    words = tuple(w.lower() for w in _WORD.findall(_URL.sub(" ", text)))
    spelled = {Decimal(_NUMBER_WORDS[w]) for w in words if w in _NUMBER_WORDS}
    values = {n.value for n in numbers} | spelled
    return Evidence(
        values=frozenset(values),
        absolutes=frozenset(n.absolute for n in numbers) | frozenset(values),
        terms=frozenset(_terms(text)),
        words=words,
    )


def paper_evidence(paper: Paper) -> Evidence:
    """Evidence from a paper's title and abstract, its own arXiv id excluded."""
    return evidence(paper.title, paper.abstract, exclude=(paper.versioned_id, paper.arxiv_id))


def _is_named(token: str) -> bool:
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    uppers = sum(c.isupper() for c in token)
    return has_alpha and (has_digit or uppers >= 2)


def _abbreviates(acronym: str, words: Sequence[str]) -> bool:
    size = len(acronym)
    if size < 2 or size > 8:
        return False
    return any(
        "".join(w[0] for w in words[i : i + size]) == acronym for i in range(len(words) - size + 1)
    )


def _name_supported(token: str, ev: Evidence) -> bool:
    norm = _norm(token)
    stem = norm[:-1] if norm.endswith("s") and len(norm) > 2 else norm
    if any(form in ev.terms or form in _GENERIC for form in (norm, stem)):
        return True
    return stem.isalpha() and _abbreviates(stem, ev.words)


def unsupported(text: str, ev: Evidence) -> list[str]:
    """The numbers and named things in `text` that the evidence does not support."""
    bare = _URL.sub(" ", text)
    missing = [f"{n.value}" for n in _numbers(bare) if not _number_supported(n, ev)]
    names = [name for name in _NAME.findall(bare) if _is_named(name)]
    return missing + [n for n in names if not _name_supported(n, ev)]


def is_supported(text: str, ev: Evidence) -> bool:
    return not unsupported(text, ev)


def ground(tldr: str, key_points: Sequence[str], ev: Evidence) -> Grounded:
    """Drop unsupported key points; flag an unsupported tldr (the caller replaces it)."""
    kept = tuple(p for p in key_points if is_supported(p, ev))
    tldr_ok = is_supported(tldr, ev)
    dropped = len(key_points) - len(kept) + (0 if tldr_ok else 1)
    return Grounded(tldr=tldr if tldr_ok else None, key_points=kept, dropped=dropped)
