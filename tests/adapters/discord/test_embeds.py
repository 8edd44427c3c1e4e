"""RichMessage -> Discord messages: layout, Discord's limits, splitting between sentences."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.embeds import Outgoing, render, split_lines, text_messages
from bot.domain import Summary, Tally
from bot.render import Bullets, Context, Heading, Paragraph, RichMessage, Tags, render_paper
from bot.text import sentences
from tests.fakes.discord import limit_errors
from tests.harness import quiet_star

SENTENCE = "Quiet-STaR teaches models to think before speaking, token by token, at some cost. "


def body(outgoing: Outgoing) -> dict[str, Any]:
    """The JSON discord.py would send for this part."""
    return {"content": outgoing.content, "embeds": [e.to_dict() for e in outgoing.embeds]}


def assert_within_limits(parts: list[Outgoing]) -> None:
    assert parts
    for part in parts:
        assert limit_errors(body(part)) == []
        assert part.content or part.embeds


def all_text(parts: list[Outgoing]) -> list[str]:
    """Every description and field value, in reading order."""
    out: list[str] = []
    for part in parts:
        for embed in part.embeds:
            out += [embed.description] if embed.description else []
            out += [str(f.value) for f in embed.fields]
    return out


def long_text(chars: int) -> str:
    return (SENTENCE * (chars // len(SENTENCE) + 1)).strip()


def test_a_paper_message_reads_title_summary_fields_and_votes_footer() -> None:
    summary = Summary(
        arxiv_id="2403.09629",
        language="ko",
        title_translated="조용한 STaR",
        tldr="모델이 말하기 전에 생각하도록 가르칩니다.",
        key_points=("토큰마다 근거를 생성합니다.", "GSM8K 5.9%→10.9%."),
        tags=("#reasoning",),
    )
    parts = render(render_paper(quiet_star(), summary, Tally(up=3, down=1)))
    assert_within_limits(parts)
    assert len(parts) == 1
    assert len(parts[0].embeds) == 1
    embed = parts[0].embeds[0]
    assert (
        embed.title == "Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking"
    )
    assert embed.url == "https://arxiv.org/abs/2403.09629v1"
    assert embed.description is not None
    assert embed.description.startswith("조용한 STaR")
    names = [f.name for f in embed.fields]
    assert names[:2] == ["요약", "핵심 포인트"]
    assert embed.fields[1].value == "• 토큰마다 근거를 생성합니다.\n• GSM8K 5.9%→10.9%."
    assert "[PDF](https://arxiv.org/pdf/2403.09629v1)" in str(embed.fields[2].value)
    assert embed.fields[3].value == "`#reasoning`"
    assert embed.footer.text is not None
    assert embed.footer.text.startswith("👍 3 · 👎 1 투표")
    assert "AI" in embed.footer.text


def test_a_10k_character_paragraph_is_split_between_sentences_within_limits() -> None:
    text = long_text(10_000)
    message = RichMessage((Heading("Long"), Paragraph(text, label="TL;DR")), "Long", "2403.09629")
    parts = render(message)
    assert_within_limits(parts)
    chunks = all_text(parts)
    assert len(chunks) >= 10  # 1,024-character fields
    assert all(chunk.endswith("at some cost.") for chunk in chunks)  # never mid-sentence
    assert " ".join(chunks) == text
    assert parts[0].embeds[0].title == "Long"


def test_a_10k_description_spreads_over_embeds_and_messages() -> None:
    text = long_text(10_000)
    parts = render(RichMessage((Heading("Trend"), Paragraph(text)), "Trend"))
    assert_within_limits(parts)
    descriptions = [e.description or "" for part in parts for e in part.embeds]
    assert len(descriptions) == 3
    assert all(len(d) <= 4096 for d in descriptions)
    assert len(parts) == 2  # 6,000 characters per message at most
    assert " ".join(descriptions) == text
    assert sum(len(sentences(d)) for d in descriptions) == len(sentences(text))


def test_many_bullets_respect_25_fields_6000_chars_and_10_embeds() -> None:
    items = tuple(f"Point {i}: {SENTENCE * 3}".strip() for i in range(120))
    parts = render(RichMessage((Heading("Many"), Bullets(items, label="Key points")), "Many"))
    assert_within_limits(parts)
    assert len(parts) > 1
    seen = [line for value in all_text(parts) for line in value.split("\n")]
    assert [line.removeprefix("• ").split(":")[0] for line in seen] == [
        f"Point {i}" for i in range(120)
    ]
    assert all(len(e.fields) <= 25 for part in parts for e in part.embeds)


def test_plain_text_is_cut_at_2000_between_sentences_and_defused() -> None:
    text = "@everyone look <@&1100000000000000010>. " + long_text(10_000)
    parts = text_messages(text)
    assert_within_limits(parts)
    assert all(len(p.content or "") <= 2000 for p in parts)
    assert all((p.content or "").endswith(".") for p in parts)
    first = parts[0].content or ""
    assert "@everyone" not in first
    assert "@\u200beveryone" in first
    assert "<@&1100000000000000010>" not in first


def test_markdown_and_masked_links_in_text_are_escaped_but_inline_code_kept() -> None:
    message = RichMessage(
        (Heading("T"), Paragraph("**bold** [click](https://evil.example) `code` ~~x~~")), "T"
    )
    description = render(message)[0].embeds[0].description or ""
    assert "\\*\\*bold\\*\\*" in description
    assert "\\[click](https://evil.example)" in description
    assert " `code` " in description  # inline code renders nothing else: kept as is


def test_long_titles_and_small_print_stay_within_their_slots() -> None:
    message = RichMessage(
        (
            Heading("Title. " * 60, "https://arxiv.org/abs/2403.09629"),
            Tags(("#a",)),
            Context("Votes. " * 200),
            Context("Disclaimer. " * 200),
        ),
        "T",
    )
    parts = render(message)
    assert_within_limits(parts)
    embed = parts[0].embeds[0]
    assert embed.title is not None
    assert len(embed.title) <= 256
    assert embed.footer.text is not None
    assert len(embed.footer.text) <= 2048


def test_split_lines_keeps_lines_and_never_exceeds_the_limit() -> None:
    text = "\n".join(f"• item {i} {SENTENCE}" for i in range(40))
    chunks = split_lines(text, 1024)
    assert all(len(c) <= 1024 for c in chunks)
    assert "\n".join(chunks).split("\n") == text.split("\n")


def test_embeds_are_discord_py_embeds() -> None:
    parts = render(RichMessage((Heading("x"),), "x"))
    assert isinstance(parts[0].embeds[0], discord.Embed)
