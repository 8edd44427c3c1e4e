"""Neutral `RichMessage` -> Slack Block Kit payloads, escaped and within Slack's limits.

The core hands over plain, sanitised text. Here it is escaped for mrkdwn (`&`, `<`, `>` become
entities, so no `<!channel>`, `<@U..>` or `<#C..>` can be formed by anything Paperboy posts), put
in `verbatim` mrkdwn text objects (so Slack does not auto-parse mentions or channel names either)
and cut to Slack's limits: 3,000 characters per section or context text, 50 blocks per message, and
about 12,000 characters of block text per message (Slack answers `msg_blocks_too_long` near 13k).
Long text is split between sentences (`bot.text.split_text`), never inside one; a message that
does not fit becomes several payloads, posted in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypedDict

from bot.render import Block, Bullets, Context, Heading, Link, Links, Paragraph, RichMessage, Tags
from bot.text import split_text, truncate

MAX_BLOCKS = 50
MAX_SECTION = 3_000
MAX_HEADER = 150
MAX_TEXT = 40_000
MAX_FALLBACK = 3_000  # notification text: far below MAX_TEXT even once escaped
MAX_MESSAGE_CHARS = 12_000
MAX_URL = 1_000

SlackBlock = dict[str, Any]


class Payload(TypedDict):
    """The message part of a `chat.postMessage` / `response_url` body."""

    text: str
    blocks: list[SlackBlock]


def escape(text: str) -> str:
    """Text made inert for mrkdwn: only `&`, `<` and `>` are control characters there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_payloads(message: RichMessage) -> list[Payload]:
    """One or more payloads for one message, each within every Slack limit."""
    return _payloads([_convert_all(message.blocks)], message.fallback)


def combine(messages: Sequence[RichMessage]) -> list[Payload]:
    """Several messages packed into as few payloads as fit (ephemeral replies, `response_url`).

    Messages are separated by dividers; used where each post costs (response_url allows five).
    """
    if not messages:
        return []
    return _payloads([_convert_all(m.blocks) for m in messages], messages[0].fallback)


def _payloads(groups: list[list[SlackBlock]], fallback: str) -> list[Payload]:
    blocks: list[SlackBlock] = []
    for group in groups:
        if blocks and group:
            blocks.append({"type": "divider"})
        blocks.extend(group)
    text = escape(truncate(fallback, MAX_FALLBACK)) or "Paperboy"
    parts = _pack(blocks) or [[]]
    count = len(parts)
    return [
        Payload(text=text if i == 0 else f"{text} ({i + 1}/{count})", blocks=part)
        for i, part in enumerate(parts)
    ]


def _pack(blocks: list[SlackBlock]) -> list[list[SlackBlock]]:
    """Consecutive blocks grouped so that no group breaks the per-message limits."""
    parts: list[list[SlackBlock]] = []
    current: list[SlackBlock] = []
    size = 0
    for block in blocks:
        chars = block_chars(block)
        if current and (len(current) >= MAX_BLOCKS or size + chars > MAX_MESSAGE_CHARS):
            parts.append(current)
            current, size = [], 0
        if not current and block["type"] == "divider":
            continue  # a part never starts with a divider
        current.append(block)
        size += chars
    if current:
        parts.append(current)
    return parts


def block_chars(block: SlackBlock) -> int:
    """Characters of text a block carries (what Slack's size limits count)."""
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(element.get("text", "")) for element in block.get("elements", []))


def _convert_all(blocks: Sequence[Block]) -> list[SlackBlock]:
    return [slack_block for block in blocks for slack_block in _convert(block)]


def _convert(block: Block) -> list[SlackBlock]:
    match block:
        case Heading(text=text, url=url):
            out = [_heading(text, url)]
        case Paragraph(text=text, label=label):
            out = _paragraph(text, _label(label))
        case Bullets(items=items, label=label):
            out = [_section(chunk) for chunk in _joined(_bullet_lines(items), "\n", _label(label))]
        case Links(links=links):
            out = [_section(chunk) for chunk in _joined(map(_link, links), " · ")]
        case Tags(tags=tags):
            words = (f"`{escape(truncate(tag.replace('`', ''), 100))}`" for tag in tags)
            out = [_context(chunk) for chunk in _joined(words, " ")]
        case Context(text=text):
            out = [_context(chunk) for chunk in fit(text, MAX_SECTION)]
    return out


def _paragraph(text: str, prefix: str) -> list[SlackBlock]:
    chunks = fit(text, MAX_SECTION - len(prefix))
    return [_section(prefix + chunk if i == 0 else chunk) for i, chunk in enumerate(chunks)]


def _heading(text: str, url: str | None) -> SlackBlock:
    """A header block for a short plain title (free of `&<>`, so inert however Slack reads
    it); otherwise a bold mrkdwn section, linked when the URL is safe."""
    if url is None and 0 < len(text) <= MAX_HEADER and not any(c in text for c in "&<>"):
        return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}
    link = safe_url(url)
    room = MAX_SECTION - 5 - (len(link) if link else 0)  # "*<" + "|" + ">*"
    title = (fit(text, room) or ["Paper"])[0]
    return _section(f"*<{link}|{title}>*" if link else f"*{title}*")


def _label(label: str | None) -> str:
    return f"*{escape(label)}*\n" if label else ""


def _section(text: str) -> SlackBlock:
    return {"type": "section", "text": mrkdwn(text)}


def _context(text: str) -> SlackBlock:
    return {"type": "context", "elements": [mrkdwn(text)]}


def mrkdwn(text: str) -> SlackBlock:
    """A mrkdwn text object Slack shows as written: without `verbatim` it would link channel
    names and auto-parse "certain mentions" in paper, LLM or user text. (Only mrkdwn objects
    take `verbatim`; plain_text ones are never parsed.)"""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _bullet_lines(items: Sequence[str]) -> Iterator[str]:
    """One `• ` line per item; an item too long for one section continues on plain lines."""
    for item in items:
        for i, chunk in enumerate(fit(item, MAX_SECTION - 200)):
            yield f"• {chunk}" if i == 0 else chunk


def _joined(pieces: Iterable[str], sep: str, first: str = "") -> list[str]:
    """Escaped pieces joined by `sep` into chunks of at most MAX_SECTION characters.

    `first` (a label) starts the first chunk (alone, if the first piece would not fit beside
    it); every piece must fit in a chunk on its own.
    """
    chunks: list[str] = []
    current, fresh = first, True
    for piece in pieces:
        candidate = current + piece if fresh else current + sep + piece
        if len(candidate) > MAX_SECTION and current:
            chunks.append(current.rstrip("\n"))
            candidate = piece
        current, fresh = candidate, False
    if not fresh:
        chunks.append(current)
    return chunks


def _link(link: Link) -> str:
    url = safe_url(link.url)
    label = escape(truncate(link.label, 100))
    return f"<{url}|{label}>" if url else label


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for `<url|label>` markup, or None for anything else (or too long)."""
    if not url or not url.startswith(("https://", "http://")) or len(url) > MAX_URL:
        return None
    if any(c.isspace() or c in "<>" for c in url):
        return None
    return escape(url).replace("|", "%7C")


def fit(text: str, limit: int, size: int | None = None) -> list[str]:
    """`text` escaped, in chunks of at most `limit` characters, cut between sentences.

    Escaping lengthens text (`&` -> `&amp;`), so a raw chunk that outgrows `limit` once escaped
    is split again, finer (`size` is the raw chunk size tried).
    """
    chunks: list[str] = []
    if size is None:  # start from the average growth, so that few chunks need a second cut
        size = max(1, limit * len(text) // max(1, len(escape(text))))
    for raw in split_text(text, size):
        escaped = escape(raw)
        if len(escaped) <= limit or len(raw) <= 1:
            chunks.append(escaped)
        else:
            chunks.extend(fit(raw, limit, max(1, len(raw) * limit // len(escaped))))
    return chunks
