"""RichMessage -> Block Kit: escaping, Slack's limits, splitting between sentences."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from adapters.slack.blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_MESSAGE_CHARS,
    MAX_SECTION,
    block_chars,
    combine,
    escape,
    safe_url,
    to_payloads,
)
from bot.domain import Paper, Summary, Tally
from bot.render import (
    Bullets,
    Context,
    Heading,
    Link,
    Links,
    Paragraph,
    RichMessage,
    Tags,
    render_paper,
)
from tests.fakes.slack import block_errors

PAPER = Paper(
    arxiv_id="2403.09629",
    version=1,
    title="Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking",
    authors=("Eric Zelikman", "Georges Harik"),
    primary_category="cs.CL",
    published=datetime(2024, 3, 14, tzinfo=UTC),
    github_repo="https://github.com/ezelikman/quiet-star",
)
SENTENCE = "Reasoning tokens help the model think & answer <better> than before. "


def summary(tldr: str, **kw: Any) -> Summary:
    return Summary(
        arxiv_id="2403.09629", tldr=tldr, key_points=("One.", "Two."), tags=("#reasoning",), **kw
    )


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", []))
    return out


def all_text(payloads: list[Any]) -> str:
    return "\n".join(t for p in payloads for t in [p["text"], *texts(p["blocks"])])


def assert_within_limits(payloads: list[Any]) -> None:
    for payload in payloads:
        assert block_errors(payload["blocks"]) == []
        assert len(payload["blocks"]) <= MAX_BLOCKS
        assert sum(block_chars(b) for b in payload["blocks"]) <= MAX_MESSAGE_CHARS
        assert 0 < len(payload["text"]) <= 40_000


def test_escape_defuses_mrkdwn_control_characters() -> None:
    assert escape("a & b <!channel> <@U123> >") == "a &amp; b &lt;!channel&gt; &lt;@U123&gt; &gt;"


def test_paper_message_becomes_one_valid_payload_with_linked_title() -> None:
    payloads = to_payloads(render_paper(PAPER, summary("It works. Really."), Tally(up=2)))
    assert len(payloads) == 1
    blocks = payloads[0]["blocks"]
    assert_within_limits(payloads)
    assert blocks[0]["type"] == "section"
    assert blocks[0]["text"]["text"] == (
        "*<https://arxiv.org/abs/2403.09629v1|Quiet-STaR: Language Models Can Teach Themselves "
        "to Think Before Speaking>*"
    )
    body = all_text(payloads)
    assert "*TL;DR*\nIt works. Really." in body
    assert "• One.\n• Two." in body
    assert "<https://github.com/ezelikman/quiet-star|Code>" in body
    assert "`#reasoning`" in body
    assert "👍 2 · 👎 0" in body
    assert payloads[0]["text"].startswith("Quiet-STaR")


def test_long_tldr_is_split_between_sentences_into_sections() -> None:
    tldr = (SENTENCE * 150).strip()  # ~10k characters, every sentence ends with "."
    payloads = to_payloads(render_paper(PAPER, summary(tldr), Tally()))
    assert_within_limits(payloads)
    assert len(payloads) == 2  # 10k characters escape to more than one message holds
    sections = [t for p in payloads for t in texts(p["blocks"]) if "Reasoning tokens" in t]
    assert len(sections) >= 4
    for text in sections:
        assert len(text) <= MAX_SECTION
        assert text.removeprefix("*TL;DR*\n").startswith("Reasoning tokens")
        assert text.endswith("than before.")
    joined = " ".join(t.removeprefix("*TL;DR*\n") for t in sections)
    assert joined == escape(tldr)


def test_message_over_the_per_message_limits_becomes_several_payloads() -> None:
    blocks = tuple(Context(f"Note {i}. " + "word " * 50) for i in range(120))
    payloads = to_payloads(RichMessage(blocks, "Many notes"))
    assert len(payloads) >= 3
    assert_within_limits(payloads)
    assert payloads[1]["text"].endswith(f"(2/{len(payloads)})")
    assert sum(len(p["blocks"]) for p in payloads) == 120


def test_huge_text_is_split_by_size_across_messages() -> None:
    text = "A sentence that says something. " * 1200  # ~38k characters
    payloads = to_payloads(RichMessage((Paragraph(text.strip()),), text))
    assert len(payloads) >= 4
    assert_within_limits(payloads)
    assert all(len(p["text"]) <= MAX_FALLBACK for p in payloads)


def test_single_sentence_longer_than_a_section_is_cut_between_words() -> None:
    text = "word " * 1500 + "end."
    payloads = to_payloads(RichMessage((Paragraph(text),), "x"))
    assert_within_limits(payloads)
    for chunk in texts(payloads[0]["blocks"]):
        assert not chunk.startswith(" ")
        assert chunk.split(" ")[-1] in ("word", "end.")


def test_escaping_growth_is_accounted_for() -> None:
    text = "&&&& <<>> " * 600  # escapes to ~5x its length
    payloads = to_payloads(RichMessage((Paragraph(text), Bullets((text,)), Context(text)), "x"))
    assert_within_limits(payloads)


def test_hostile_text_cannot_form_any_mention_or_link() -> None:
    hostile = "<!channel> <!here|here> <@U024BE7LH> <#C123|general> <!subteam^S1> @here ＠everyone"
    message = RichMessage(
        (
            Heading(hostile),
            Paragraph(hostile, label="<!everyone>"),
            Bullets((hostile,)),
            Tags((hostile,)),
            Context(hostile),
            Links((Link(hostile, "javascript:alert(1)"),)),
        ),
        hostile,
    )
    payloads = to_payloads(message)
    assert_within_limits(payloads)
    for text in [p["text"] for p in payloads] + texts(payloads[0]["blocks"]):
        assert re.search(r"<(?!https?://)", text) is None, text


def text_objects(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [block["text"] for block in blocks if "text" in block] + [
        element for block in blocks for element in block.get("elements", [])
    ]


def test_every_mrkdwn_text_is_verbatim_and_plain_text_never_is() -> None:
    """Slack auto-parses "certain mentions" and channel names in mrkdwn text objects unless
    `verbatim` is true; the field exists only on mrkdwn objects."""
    summary_of = render_paper(PAPER, summary("Ask @channel and #general about it."), Tally(up=2))
    digest = RichMessage((Heading("Weekly digest"), Paragraph("Trends @here"), Tags(("x",))), "x")
    objects = [
        obj
        for message in (summary_of, digest)
        for payload in to_payloads(message)
        for obj in text_objects(payload["blocks"])
    ]
    kinds = {obj["type"] for obj in objects}
    assert kinds == {"mrkdwn", "plain_text"}
    for obj in objects:
        assert obj.get("verbatim") is (True if obj["type"] == "mrkdwn" else None), obj


def test_heading_without_url_is_a_header_block_unless_too_long() -> None:
    short = to_payloads(RichMessage((Heading("Weekly digest · 2024-W11"),), "x"))[0]["blocks"]
    assert short == [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Weekly digest · 2024-W11", "emoji": True},
        }
    ]
    long = to_payloads(RichMessage((Heading("T" * 400),), "x"))[0]["blocks"]
    assert long[0]["type"] == "section"


def test_safe_url_accepts_only_plain_http_links() -> None:
    assert safe_url("https://x.org/a?b=1&c=2") == "https://x.org/a?b=1&amp;c=2"
    assert safe_url("https://x.org/a|<!channel>") is None
    assert safe_url("https://x.org/a|b") == "https://x.org/a%7Cb"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.org/" + "a" * 2000) is None
    assert safe_url("https://x.org/a b") is None


def test_combine_separates_messages_with_dividers_and_packs_them() -> None:
    first = render_paper(PAPER, summary("One."), Tally())
    second = render_paper(PAPER, summary("Two."), Tally())
    payloads = combine([first, second])
    assert len(payloads) == 1
    kinds = [b["type"] for b in payloads[0]["blocks"]]
    assert kinds.count("divider") == 1
    assert kinds[0] != "divider"
    assert combine([]) == []


def test_many_combined_messages_never_start_a_part_with_a_divider() -> None:
    messages = [
        RichMessage(tuple(Context(f"m{i} b{j}") for j in range(9)), f"m{i}") for i in range(12)
    ]
    payloads = combine(messages)
    assert len(payloads) >= 3
    assert_within_limits(payloads)
    assert all(p["blocks"][0]["type"] != "divider" for p in payloads)


def test_empty_message_still_has_text() -> None:
    payloads = to_payloads(RichMessage((), ""))
    assert payloads == [{"text": "Paperboy", "blocks": []}]
