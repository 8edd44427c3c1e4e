"""Summaries and digests as neutral rich text; adapters turn it into Block Kit or embeds.

Text in blocks is plain and already sanitised (`bot.text.clean`); each adapter escapes it for
its own markup and enforces its own size limits (splitting between sentences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.domain import Digest, DigestItem, Language, Paper, Summary, Tally, Why
from bot.i18n import N_, t, tn
from bot.text import clean
from bot.window import days_label

if TYPE_CHECKING:  # bot.services.ask reaches bot.render through the summariser's ports
    from bot.services.ask import Answer, DeepSummary


DIGEST_TITLE = N_("📰 Paperboy weekly digest · {week}")
LATE = N_("⏰ This digest is late: Paperboy was down at its scheduled time.")
LLM_NOTE = N_(
    "🤖 Summarised by an AI model from the paper's abstract; check the paper before citing it."
)
EXTRACTIVE_NOTE = N_(
    "📄 Extractive summary: sentences quoted from the abstract (no AI summary available)."
)
TREND_NOTE = N_("(trend paragraph assembled from the papers' keywords; no AI summary available)")
_LINK_WORDS = {"Code": N_("Code"), "Project": N_("Project")}  # arXiv, PDF, HF are names


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


@dataclass(frozen=True)
class VoteLine(Context):
    """A paper message's vote line: a `Context` to every adapter, which also remembers what it
    was drawn from, so that `with_tally` can draw it again when the votes change."""

    tally: Tally = field(default_factory=Tally)
    language: Language = "en"
    why: str | None = None


Block = Heading | Paragraph | Bullets | Links | Tags | Context


@dataclass(frozen=True)
class RichMessage:
    """One chat message. `paper_id` set means reactions on it are votes on that paper."""

    blocks: tuple[Block, ...]
    fallback: str
    paper_id: str | None = None


def _authors(paper: Paper, language: Language) -> str:
    names = ", ".join(paper.authors[:3])
    if len(paper.authors) > 3:
        names = t("{names} et al.", language, names=names)
    bits = [names] if names else []
    if paper.primary_category:
        bits.append(paper.primary_category)
    if paper.published:
        bits.append(paper.published.date().isoformat())
    return clean(" · ".join(bits))


def votes_line(tally: Tally, language: Language, why: str | None = None) -> str:
    votes, reason = t("votes", language), t("why", language)
    line = f"👍 {tally.up} · 👎 {tally.down} {votes}"
    return f"{line} · {reason}: {why}" if why else line


def explain(why: Why | str, language: Language) -> str:
    """What lifted a digest pick, in `language`: `team votes +2/-0 · 71 HF upvotes`."""
    if isinstance(why, str):  # a digest stored before reasons were facts
        return why
    parts = []
    if why.up or why.down:
        parts.append(t("team votes +{up}/-{down}", language, up=why.up, down=why.down))
    if why.upvotes:
        parts.append(tn("{n} HF upvote", "{n} HF upvotes", why.upvotes, language))
    if why.topics:
        parts.append(t("matches {topics}", language, topics=", ".join(why.topics)))
    if why.shared:
        parts.append(
            tn("shared {n}× in this channel", "shared {n}× in this channel", why.shared, language)
        )
    if why.new:
        parts.append(t("new this week", language))
    return " · ".join(parts)


def vote_line(tally: Tally, language: Language, why: str | None = None) -> VoteLine:
    return VoteLine(votes_line(tally, language, why), tally, language, why)


def shown_tally(message: RichMessage) -> Tally | None:
    """The tally `message`'s vote line shows; None when it has none."""
    return next((b.tally for b in message.blocks if isinstance(b, VoteLine)), None)


def with_tally(message: RichMessage, tally: Tally) -> RichMessage:
    """`message` with its vote line drawn again for `tally` (the rest unchanged)."""
    blocks = tuple(
        vote_line(tally, b.language, b.why) if isinstance(b, VoteLine) else b
        for b in message.blocks
    )
    return RichMessage(blocks, message.fallback, message.paper_id)


def paper_links(paper: Paper, language: Language) -> Links:
    """arXiv, PDF, code, project and HF links; the words among them in `language`."""
    return Links(
        tuple(
            Link(t(_LINK_WORDS.get(k, k), language) if k in _LINK_WORDS else k, v)
            for k, v in paper.links().items()
        )
    )


def disclaimer(summary: Summary, language: Language) -> str:
    note = LLM_NOTE if summary.source == "llm" else EXTRACTIVE_NOTE
    text = t(note, language)
    if summary.ungrounded_dropped:
        dropped = tn(
            "⚠️ {n} statement not supported by the abstract was removed.",
            "⚠️ {n} statements not supported by the abstract were removed.",
            summary.ungrounded_dropped,
            language,
        )
        text += " " + dropped
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
    if authors := _authors(paper, lang):
        blocks.append(Context(authors))
    blocks.append(Paragraph(clean(summary.tldr), label=t("TL;DR", lang)))
    if summary.key_points:
        points = tuple(clean(p) for p in summary.key_points)
        blocks.append(Bullets(points, label=t("Key points", lang)))
    blocks.append(paper_links(paper, lang))
    if summary.tags:
        blocks.append(Tags(tuple(clean(tag) for tag in summary.tags)))
    blocks.append(vote_line(tally, lang, why))
    blocks.append(Context(disclaimer(summary, lang)))
    fallback = f"{title} — {clean(summary.tldr)}"
    return RichMessage(tuple(blocks), fallback, paper_id=paper.arxiv_id)


def render_item(item: DigestItem, rank: int) -> RichMessage:
    why = explain(item.why, item.summary.language)
    return render_paper(item.paper, item.summary, item.tally, rank=rank, why=why or None)


def render_header(digest: Digest, *, late: bool = False) -> RichMessage:
    """The digest's first message: week, trend paragraph (or why the week is empty)."""
    lang = digest.language
    title = t(DIGEST_TITLE, lang, week=covered_days(digest))
    blocks: list[Block] = [Heading(title)]
    if late:
        blocks.append(Context(t(LATE, lang)))
    if digest.empty_reason:
        blocks.append(Paragraph(clean(digest.empty_reason)))
        return RichMessage(tuple(blocks), f"{title}: {clean(digest.empty_reason)}")
    blocks.append(Paragraph(clean(digest.trend)))
    if digest.trend_source == "extractive":
        blocks.append(Context(t(TREND_NOTE, lang)))
    count = tn(
        "{n} paper, ranked by your votes, Hugging Face upvotes and your topics. "
        "React 👍 / 👎 on a paper to vote.",
        "{n} papers, ranked by your votes, Hugging Face upvotes and your topics. "
        "React 👍 / 👎 on a paper to vote.",
        len(digest.items),
        lang,
    )
    blocks.append(Context(count))
    return RichMessage(tuple(blocks), f"{title}: {clean(digest.trend)}")


def covered_days(digest: Digest) -> str:
    """The days a digest covers as its readers write dates (`Mar 11 – 17, 2024`)."""
    if digest.first is None or digest.last is None:  # stored before digests knew their days
        return digest.week
    return days_label(digest.first, digest.last, digest.language)


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
_ASK_WORDS: dict[str, str] = {
    "answer": N_("Answer"),
    "sources": N_("From the paper"),
    "quotes": N_("No LLM answer: quotes from the paper's passages that match the question best"),
    "checked": N_(
        "Answered from the paper's full text by an LLM; quotes and numbers checked against it."
    ),
    "problem": N_("Problem"),
    "method": N_("Method"),
    "results": N_("Key results"),
    "limitations": N_("Limitations"),
}


def _word(key: str, language: Language) -> str:
    return t(_ASK_WORDS[key], language)


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
    blocks.append(paper_links(paper, lang))
    if deep.source == "llm":
        blocks.append(Context(_word("checked", lang)))
    return RichMessage(tuple(blocks), fallback=clean(paper.title), paper_id=paper.arxiv_id)
