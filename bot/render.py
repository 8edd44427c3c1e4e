"""Summaries and digests as neutral rich text; adapters turn it into Block Kit or embeds.

Text in blocks is plain and already sanitised (`bot.text.clean`); each adapter escapes it for
its own markup and enforces its own size limits (splitting between sentences).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain import Digest, DigestItem, Language, Paper, Summary, Tally
from bot.i18n import t
from bot.text import clean

if TYPE_CHECKING:  # bot.services.ask reaches bot.render through the summariser's ports
    from bot.services.ask import Answer, DeepSummary


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Heading:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Paragraph:
    text: str
    label: str | None = None


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class Links:
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Tags:
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    """Small print: authors, votes, disclaimers."""

    text: str


Block = Heading | Paragraph | Bullets | Links | Tags | Context


@dataclass(frozen=True)
class RichMessage:
    """One chat message. `paper_id` set means reactions on it are votes on that paper."""

    blocks: tuple[Block, ...]
    fallback: str
    paper_id: str | None = None


def _authors(paper: Paper) -> str:
    names = list(paper.authors[:3])
    more = " et al." if len(paper.authors) > 3 else ""
    bits = [", ".join(names) + more] if names else []
    if paper.primary_category:
        bits.append(paper.primary_category)
    if paper.published:
        bits.append(paper.published.date().isoformat())
    return clean(" · ".join(bits))


def votes_line(tally: Tally, language: Language, why: str | None = None) -> str:
    line = f"👍 {tally.up} · 👎 {tally.down} {t('votes', language)}"
    return f"{line} · {t('why', language)}: {why}" if why else line


def disclaimer(summary: Summary, language: Language) -> str:
    key = "disclaimer_llm" if summary.source == "llm" else "disclaimer_extractive"
    text = t(key, language)
    if summary.ungrounded_dropped:
        text += " " + t("ungrounded", language, n=summary.ungrounded_dropped)
    return text


def render_paper(
    paper: Paper,
    summary: Summary,
    tally: Tally,
    *,
    rank: int | None = None,
    why: str | None = None,
) -> RichMessage:
    """A paper message: title, translated title, TL;DR, key points, links, tags, votes."""
    lang = summary.language
    title = clean(paper.title)
    blocks: list[Block] = [Heading(f"{rank}. {title}" if rank else title, paper.abs_url)]
    if summary.title_translated:
        blocks.append(Paragraph(clean(summary.title_translated)))
    if authors := _authors(paper):
        blocks.append(Context(authors))
    blocks.append(Paragraph(clean(summary.tldr), label=t("tldr", lang)))
    if summary.key_points:
        points = tuple(clean(p) for p in summary.key_points)
        blocks.append(Bullets(points, label=t("key_points", lang)))
    blocks.append(Links(tuple(Link(k, v) for k, v in paper.links().items())))
    if summary.tags:
        blocks.append(Tags(tuple(clean(tag) for tag in summary.tags)))
    blocks.append(Context(votes_line(tally, lang, why)))
    blocks.append(Context(disclaimer(summary, lang)))
    fallback = f"{title} — {clean(summary.tldr)}"
    return RichMessage(tuple(blocks), fallback, paper_id=paper.arxiv_id)


def render_item(item: DigestItem, rank: int) -> RichMessage:
    return render_paper(item.paper, item.summary, item.tally, rank=rank, why=item.why)


def render_header(digest: Digest, *, late: bool = False) -> RichMessage:
    """The digest's first message: week, trend paragraph (or why the week is empty)."""
    lang = digest.language
    title = t("digest_title", lang, week=digest.week)
    blocks: list[Block] = [Heading(title)]
    if late:
        blocks.append(Context(t("late", lang)))
    if digest.empty_reason:
        blocks.append(Paragraph(clean(digest.empty_reason)))
        return RichMessage(tuple(blocks), f"{title}: {clean(digest.empty_reason)}")
    blocks.append(Paragraph(clean(digest.trend)))
    if digest.trend_source == "extractive":
        blocks.append(Context(t("trend_extractive", lang)))
    blocks.append(Context(t("digest_count", lang, n=len(digest.items))))
    return RichMessage(tuple(blocks), f"{title}: {clean(digest.trend)}")


def render_digest(digest: Digest, *, late: bool = False) -> list[RichMessage]:
    """Header, then one message per paper so that each can be voted on."""
    header = render_header(digest, late=late)
    return [header, *(render_item(item, i) for i, item in enumerate(digest.items, 1))]


def plain_text(message: RichMessage) -> str:
    """A readable plain-text rendering (CLI preview, logs, tests)."""
    lines: list[str] = []
    for block in message.blocks:
        lines.extend(_plain_block(block))
    return "\n".join(lines)


def _plain_block(block: Block) -> list[str]:
    match block:
        case Heading(text=text):
            return [text]
        case Paragraph(text=text, label=label):
            return [f"{label}: {text}" if label else text]
        case Bullets(items=items, label=label):
            return ([f"{label}:"] if label else []) + [f"  • {item}" for item in items]
        case Links(links=links):
            return [" | ".join(f"{link.label}: {link.url}" for link in links)]
        case Tags(tags=tags):
            return [" ".join(tags)]
        case Context(text=text):
            return [text]
    return []


# -- ask the paper ---------------------------------------------------------------------------------
_ASK_WORDS: dict[str, dict[Language, str]] = {
    "answer": {"en": "Answer", "ko": "답변", "ja": "回答", "zh": "回答"},
    "sources": {"en": "From the paper", "ko": "논문 출처", "ja": "論文の出典", "zh": "论文出处"},
    "quotes": {
        "en": "No LLM answer: quotes from the paper's passages that match the question best",
        "ko": "LLM 답변 없음: 질문과 가장 관련 있는 논문 구절을 그대로 인용합니다",
        "ja": "LLMの回答なし：質問に最も関連する論文の一節をそのまま引用します",
        "zh": "无 LLM 回答：以下原文引用与问题最相关的论文段落",
    },
    "checked": {
        "en": "Answered from the paper's full text by an LLM; quotes and numbers checked against it.",
        "ko": "LLM이 논문 전문을 바탕으로 답했으며, 인용과 수치는 원문과 대조했습니다.",
        "ja": "LLMが論文の全文から回答し、引用と数値は原文と照合済みです。",
        "zh": "由 LLM 根据论文全文回答，引文和数字已与原文核对。",
    },
    "problem": {"en": "Problem", "ko": "문제", "ja": "課題", "zh": "问题"},
    "method": {"en": "Method", "ko": "방법", "ja": "手法", "zh": "方法"},
    "results": {"en": "Key results", "ko": "주요 결과", "ja": "主な結果", "zh": "主要结果"},
    "limitations": {"en": "Limitations", "ko": "한계", "ja": "限界", "zh": "局限"},
}


def _word(key: str, language: Language) -> str:
    return _ASK_WORDS[key][language]


def render_answer(answer: Answer) -> RichMessage:
    """An answer in a paper's thread: the text and its citations, or labelled quotes.

    Not a paper message (`paper_id` unset): reactions on a thread reply are not votes.
    """
    lang = answer.language
    cites = tuple(f"§{clean(c.where)}: “{clean(c.quote)}”" for c in answer.citations)
    if answer.source == "quotes":
        blocks: list[Block] = [Context(_word("quotes", lang)), Bullets(cites)]
        return RichMessage(tuple(blocks), fallback=cites[0] if cites else _word("quotes", lang))
    blocks = [Paragraph(clean(answer.text), label=_word("answer", lang))]
    if cites:
        blocks.append(Bullets(cites, label=_word("sources", lang)))
    blocks.append(Context(_word("checked", lang)))
    return RichMessage(tuple(blocks), fallback=clean(answer.text))


def render_deep(paper: Paper, deep: DeepSummary) -> RichMessage:
    """`/paper deep`: problem, method, key results, limitations, each bullet with its section."""
    lang = deep.language
    blocks: list[Block] = [Heading(clean(paper.title), paper.abs_url)]
    if deep.source == "quotes":
        blocks.append(Context(_word("quotes", lang)))
    for part in ("problem", "method", "results", "limitations"):
        points = getattr(deep, part)
        if points:
            items = tuple(f"{clean(p.text)} (§{clean(p.where)})" for p in points)
            blocks.append(Bullets(items, label=_word(part, lang)))
    blocks.append(Links(tuple(Link(k, v) for k, v in paper.links().items())))
    if deep.source == "llm":
        blocks.append(Context(_word("checked", lang)))
    return RichMessage(tuple(blocks), fallback=clean(paper.title), paper_id=paper.arxiv_id)
