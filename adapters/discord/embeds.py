"""Neutral rich text -> Discord messages (content and embeds), always within Discord's limits.

Layout of one RichMessage: a `Heading` is an embed's title (with its link); plain paragraphs,
unlabelled bullets, links and tags go to the description while no field has been added yet;
labelled paragraphs and bullets become fields (label as the field name); text that arrives after
a field becomes a nameless field so the reading order is kept; trailing `Context` blocks (votes,
AI disclaimer) are the footer, earlier ones are italic lines.

Limits (Discord's): content 2,000; title 256; description 4,096; 25 fields of name 256 and value
1,024; footer 2,048; 6,000 characters across all embeds of one message; 10 embeds per message.
Text too long for its slot continues in the next field or embed, cut between lines and
sentences by `bot.text.split_text` (never inside a sentence unless one sentence alone exceeds the
limit); embeds that do not fit one message go to the next. Plain text is markdown-escaped here:
the core's text is plain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import discord
from discord.utils import escape_markdown

from bot.render import Block, Bullets, Context, Heading, Links, Paragraph, RichMessage, Tags
from bot.text import sanitize, split_text, truncate

CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
TOTAL = 6000
EMBEDS = 10
_CODE = re.compile(r"(`[^`\n]+`)")
BLANK = "\u200b"  # a field needs a name; a zero-width space shows none
COLOR = 0xB31B1B  # arXiv red


@dataclass(frozen=True)
class Outgoing:
    """One Discord message to send: content and/or embeds, already within every limit."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()


def render(message: RichMessage, *, color: int = COLOR) -> list[Outgoing]:
    """The Discord messages showing `message`; the first one carries its title (and its votes)."""
    packer = _Packer(color)
    blocks = message.blocks
    footer_from = _trailing_context_start(blocks)
    for index, block in enumerate(blocks):
        if index >= footer_from and isinstance(block, Context):
            packer.footer(block.text)
        else:
            _add(packer, block)
    return [Outgoing(embeds=group) for group in _group(packer.finish())]


def text_messages(text: str) -> list[Outgoing]:
    """Plain text (core replies may use inline markdown) as messages of at most 2,000 chars."""
    return [Outgoing(content=chunk) for chunk in split_lines(sanitize(text), CONTENT)]


def split_lines(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut between lines, then between sentences."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in split_text(line, limit) or [""]:
            joined = f"{current}\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
                continue
            if current.strip():
                chunks.append(current.strip("\n"))
            current = piece
    if current.strip():
        chunks.append(current.strip("\n"))
    return chunks


def escape(text: str) -> str:
    """Markdown-escaped plain text; inline code spans (`/paper help`) are kept, since nothing
    inside one renders as markup, a link or a mention."""
    return "".join(
        part if _CODE.fullmatch(part) else escape_markdown(part) for part in _CODE.split(text)
    )


def _add(packer: _Packer, block: Block) -> None:
    match block:
        case Heading(text=text, url=url):
            packer.title(text, url)
        case Paragraph(text=text, label=None):
            packer.text(escape(text))
        case Paragraph(text=text, label=label):
            packer.field(label, escape(text))
        case Bullets(items=items, label=label):
            lines = "\n".join(f"• {escape(item)}" for item in items)
            packer.field(label, lines) if label else packer.text(lines)
        case Links(links=links):
            packer.text(" · ".join(f"[{escape(x.label)}]({x.url})" for x in links))
        case Tags(tags=tags):
            packer.text(" ".join(f"`{tag.replace('`', '')}`" for tag in tags if tag.strip("`")))
        case Context(text=text):
            packer.text(f"*{escape(text)}*")


def _trailing_context_start(blocks: tuple[Block, ...]) -> int:
    """Index of the first block of the run of Context blocks that ends the message."""
    start = len(blocks)
    while start > 0 and isinstance(blocks[start - 1], Context):
        start -= 1
    return start


class _Packer:
    """Fills embeds in reading order, opening a new one whenever a limit would be crossed."""

    def __init__(self, color: int) -> None:
        self._color = color
        self._embeds: list[discord.Embed] = []
        self._new()

    @property
    def _current(self) -> discord.Embed:
        return self._embeds[-1]

    def _new(self) -> discord.Embed:
        embed = discord.Embed(color=self._color)
        self._embeds.append(embed)
        return embed

    def _fits(self, extra: int) -> bool:
        return len(self._current) + extra <= TOTAL and not self._current.footer.text

    def title(self, text: str, url: str | None) -> None:
        embed = self._current if _is_empty(self._current) else self._new()
        # Titles are shown as written (escapes would show); a zero-width space keeps a masked
        # link from ever rendering there.
        embed.title = truncate(text.replace("](", "]\u200b("), TITLE)
        embed.url = url

    def text(self, text: str) -> None:
        if self._current.fields:
            self.field(None, text)
            return
        for chunk in split_lines(text, DESCRIPTION):
            description = self._current.description
            joined = f"{description}\n{chunk}" if description else chunk
            if len(joined) > DESCRIPTION or not self._fits(len(joined) - len(description or "")):
                self._new()
                joined = chunk
            self._current.description = joined

    def field(self, name: str | None, value: str) -> None:
        for index, chunk in enumerate(split_lines(value, FIELD_VALUE)):
            label = truncate(name, FIELD_NAME) if name and index == 0 else BLANK
            if len(self._current.fields) >= FIELDS or not self._fits(len(label) + len(chunk)):
                self._new()
            self._current.add_field(name=label, value=chunk, inline=False)

    def footer(self, text: str) -> None:
        """Trailing small print; joins earlier footer lines, overflowing into fields."""
        current = self._current.footer.text
        joined = f"{current}\n{text}" if current else text
        if len(joined) > FOOTER or len(self._current) + len(text) + 1 > TOTAL:
            self.field(None, f"*{escape(text)}*")
            return
        self._current.set_footer(text=joined)

    def finish(self) -> list[discord.Embed]:
        return [embed for embed in self._embeds if not _is_empty(embed)]


def _is_empty(embed: discord.Embed) -> bool:
    return not (embed.title or embed.description or embed.fields or embed.footer.text)


def _group(embeds: Iterable[discord.Embed]) -> list[tuple[discord.Embed, ...]]:
    """Embeds into messages of at most 10 embeds and 6,000 characters."""
    messages: list[tuple[discord.Embed, ...]] = []
    batch: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        if batch and (len(batch) == EMBEDS or size + len(embed) > TOTAL):
            messages.append(tuple(batch))
            batch, size = [], 0
        batch.append(embed)
        size += len(embed)
    if batch:
        messages.append(tuple(batch))
    return messages
