"""Printing neutral rich text and JSON to the terminal."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.rule import Rule

from bot.cli.common import out
from bot.domain import Paper, Summary
from bot.render import Block, Bullets, Context, Heading, Links, Paragraph, RichMessage, Tags


def print_message(message: RichMessage) -> None:
    for block in message.blocks:
        out.print(_markup(block), highlight=False)
    out.print(Rule(style="dim"))


def _markup(block: Block) -> str:
    match block:
        case Heading(text=text):
            return f"[bold]{escape(text)}[/]"
        case Paragraph(text=text, label=label):
            return f"[bold cyan]{escape(label)}:[/] {escape(text)}" if label else escape(text)
        case Bullets(items=items, label=label):
            head = [f"[bold cyan]{escape(label)}:[/]"] if label else []
            return "\n".join(head + [f"  • {escape(item)}" for item in items])
        case Links(links=links):
            return "  ".join(
                f"[link={link.url}]{escape(link.label)}[/link] {escape(link.url)}" for link in links
            )
        case Tags(tags=tags):
            return f"[magenta]{escape(' '.join(tags))}[/]"
        case Context(text=text):
            return f"[dim]{escape(text)}[/]"
    return ""


def paper_json(paper: Paper, summary: Summary) -> dict[str, Any]:
    """The documented `--json` shape: `paper` and `summary`."""
    return {
        "paper": {
            "id": paper.arxiv_id,
            "version": paper.version,
            "title": paper.title,
            "authors": list(paper.authors),
            "abstract": paper.abstract,
            "categories": list(paper.categories),
            "published": paper.published.isoformat() if paper.published else None,
            "upvotes": paper.upvotes,
            "links": paper.links(),
        },
        "summary": {
            "language": summary.language,
            "title_translated": summary.title_translated,
            "tldr": summary.tldr,
            "key_points": list(summary.key_points),
            "tags": list(summary.tags),
            "source": summary.source,
            "ungrounded_dropped": summary.ungrounded_dropped,
        },
    }
