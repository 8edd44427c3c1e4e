"""Table tests for `/paper` input parsing and for finding papers in chat messages."""

from __future__ import annotations

import pytest

from bot.errors import BadReference
from bot.refs import ArxivRef, KeywordQuery, find_references, parse_id, parse_reference

A = ArxivRef

IDS_AND_LINKS = [
    # new-style ids
    ("2401.08541", A("2401.08541")),
    ("2401.08541v2", A("2401.08541", 2)),
    ("0704.0001", A("0704.0001")),
    ("1412.9999", A("1412.9999")),
    ("1501.00001", A("1501.00001")),
    ("arXiv:2401.08541", A("2401.08541")),
    ("arxiv: 2401.08541v3", A("2401.08541", 3)),
    ("ARXIV:2401.08541", A("2401.08541")),
    ("  2401.08541  ", A("2401.08541")),
    ("2401.08541.", A("2401.08541")),
    # old-style ids
    ("hep-th/9901001", A("hep-th/9901001")),
    ("math.GT/0309136v1", A("math/0309136", 1)),
    ("cond-mat/0011092", A("cond-mat/0011092")),
    ("arXiv:hep-th/9711200v2", A("hep-th/9711200", 2)),
    ("quant-ph/0703001", A("quant-ph/0703001")),
    # arxiv.org links
    ("https://arxiv.org/abs/2401.08541", A("2401.08541")),
    ("https://arxiv.org/abs/2401.08541v2", A("2401.08541", 2)),
    ("http://arxiv.org/abs/2401.08541/", A("2401.08541")),
    ("https://www.arxiv.org/abs/2401.08541", A("2401.08541")),
    ("https://export.arxiv.org/abs/2401.08541", A("2401.08541")),
    ("https://arxiv.org/pdf/2401.08541", A("2401.08541")),
    ("https://arxiv.org/pdf/2401.08541.pdf", A("2401.08541")),
    ("https://arxiv.org/pdf/2401.08541v2.pdf", A("2401.08541", 2)),
    ("https://arxiv.org/pdf/2401.08541v2", A("2401.08541", 2)),
    ("https://arxiv.org/html/2401.08541v1", A("2401.08541", 1)),
    ("https://arxiv.org/html/2401.08541v1/#S3", A("2401.08541", 1)),
    ("https://arxiv.org/abs/2401.08541?context=cs.CL", A("2401.08541")),
    ("https://arxiv.org/abs/2401.08541#comments", A("2401.08541")),
    ("arxiv.org/abs/2401.08541", A("2401.08541")),
    ("https://arxiv.org/abs/hep-th/9901001v1", A("hep-th/9901001", 1)),
    ("https://arxiv.org/pdf/math.GT/0309136v1.pdf", A("math/0309136", 1)),
    ("HTTPS://ARXIV.ORG/abs/2401.08541", A("2401.08541")),
    # other sites
    ("https://www.alphaxiv.org/abs/2401.08541", A("2401.08541")),
    ("https://alphaxiv.org/abs/2401.08541v2", A("2401.08541", 2)),
    ("https://huggingface.co/papers/2403.09629", A("2403.09629")),
    ("https://hf.co/papers/2403.09629/", A("2403.09629")),
    ("huggingface.co/papers/2403.09629#community", A("2403.09629")),
    # chat wrapping
    ("<https://arxiv.org/abs/2401.08541>", A("2401.08541")),
    ("<https://arxiv.org/abs/2401.08541|arxiv.org/abs/2401.08541>", A("2401.08541")),
    ("<https://huggingface.co/papers/2403.09629|Quiet-STaR>", A("2403.09629")),
]

KEYWORDS = [
    ("quiet star reasoning", "quiet star reasoning"),
    ("  mixture   of\n\texperts ", "mixture of experts"),
    ("트랜스포머 어텐션 메커니즘", "트랜스포머 어텐션 메커니즘"),
    ("拡散モデル 画像生成", "拡散モデル 画像生成"),
    ("cat:cs.CL AND ti:agents", "cat:cs.CL AND ti:agents"),
    ("cs.CL", "cs.CL"),
    ("cs.AI/ML agents", "cs.AI/ML agents"),
    ("GPT-4 3.5 evaluation", "GPT-4 3.5 evaluation"),
    ("'; DROP TABLE papers; --", "'; DROP TABLE papers; --"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("Attention: is all you need", "Attention: is all you need"),
    ("arxiv transformers", "arxiv transformers"),
]

BAD = [
    ("", "Nothing to look up"),
    ("   \n\t ", "Nothing to look up"),
    ("\x00\x01\x02", "no visible text"),
    ("\u200b\u202e", "no visible text"),
    ("x" * 301, "too long"),
    ("2413.12345", "no month 13"),
    ("2400.12345", "no month 00"),
    ("2401.123", "4 or 5 digits"),
    ("2401.123456", "4 or 5 digits"),
    ("1501.1234", "0704"),
    ("0612.1234", "0704"),
    ("1409.12345", "before 2015"),
    ("2401.08541v0", "v1"),
    ("2401.00000", "start at 1"),
    ("hep-th/0801001", "1991 to March 2007"),
    ("hep-th/99010", "7 digits"),
    ("arXiv:not-an-id", "not an arXiv id"),
    ("https://arxiv.org/abs/2413.12345", "no month 13"),
    ("https://example.com/abs/2401.08541", "arxiv.org, alphaxiv.org and huggingface.co"),
    ("https://arxiv.org.evil.com/abs/2401.08541", "arxiv.org, alphaxiv.org and huggingface.co"),
    ("https://arxiv.org@evil.com/abs/2401.08541", "arxiv.org, alphaxiv.org and huggingface.co"),
    ("javascript:alert(document.cookie)", "arxiv.org, alphaxiv.org and huggingface.co"),
    ("data:text/html,<b>hi</b>", "arxiv.org, alphaxiv.org and huggingface.co"),
    ("ftp://arxiv.org/abs/2401.08541", "arxiv.org, alphaxiv.org and huggingface.co"),
    ("https://arxiv.org/list/cs.CL/recent", "does not point at one paper"),
    ("https://huggingface.co/papers", "does not point at one paper"),
    ("https://huggingface.co/models/2401.08541", "does not point at one paper"),
    ("<!channel>", "mention"),
    ("<@U012AB3CD>", "mention"),
    ("<#C123|general>", "mention"),
    ("!!! ???", "no words"),
]


@pytest.mark.parametrize(("text", "expected"), IDS_AND_LINKS)
def test_ids_and_links(text: str, expected: ArxivRef) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(("text", "expected"), KEYWORDS)
def test_keywords(text: str, expected: str) -> None:
    assert parse_reference(text) == KeywordQuery(expected)


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_refused_with_a_helpful_message(text: str, fragment: str) -> None:
    with pytest.raises(BadReference) as caught:
        parse_reference(text)
    message = str(caught.value)
    assert fragment in message
    assert len(message) < 300


def test_every_refusal_says_what_to_type() -> None:
    for text, _ in BAD:
        with pytest.raises(BadReference) as caught:
            parse_reference(text)
        message = str(caught.value)
        assert "keywords" in message or "2401.08541" in message, text


def test_versioned_property() -> None:
    assert A("2401.08541", 2).versioned == "2401.08541v2"
    assert A("2401.08541").versioned == "2401.08541"
    assert A("hep-th/9901001", 1).versioned == "hep-th/9901001v1"


def test_mass_mentions_are_defused_in_keywords() -> None:
    ref = parse_reference("@everyone @here transformers")
    assert isinstance(ref, KeywordQuery)
    assert "@everyone" not in ref.text
    assert "@here" not in ref.text
    assert "transformers" in ref.text


def test_control_and_bidi_characters_are_dropped_from_keywords() -> None:
    ref = parse_reference("diffusion\x00 \u202emodels\x07")
    assert ref == KeywordQuery("diffusion models")


def test_ten_thousand_characters_are_refused() -> None:
    with pytest.raises(BadReference, match="too long"):
        parse_reference("attention " * 1000)


def test_exactly_the_limit_is_accepted() -> None:
    ref = parse_reference("a" * 300)
    assert isinstance(ref, KeywordQuery)


def test_parse_id_tells_ids_from_other_text() -> None:
    assert parse_id("2401.08541v2") == A("2401.08541", 2)
    assert parse_id("transformers") is None
    assert parse_id("https://arxiv.org/abs/2401.08541") is None
    assert parse_id("hello/1234567") is None  # not an arXiv archive
    with pytest.raises(BadReference):
        parse_id("2413.00001")


# -- find_references -----------------------------------------------------------------------------
FOUND = [
    ("read https://arxiv.org/abs/2401.08541 today", [A("2401.08541")]),
    ("arXiv:2403.09629v1 is neat", [A("2403.09629", 1)]),
    ("(arXiv: hep-th/9711200)", [A("hep-th/9711200")]),
    (
        "<https://arxiv.org/abs/2401.08541v2|arxiv.org/abs/2401.08541v2>",
        [A("2401.08541", 2)],
    ),
    (
        "https://huggingface.co/papers/2403.09629 and https://arxiv.org/pdf/2401.08541.pdf",
        [A("2403.09629"), A("2401.08541")],
    ),
    ("dupes: arxiv.org/abs/2401.08541 arxiv.org/abs/2401.08541v3", [A("2401.08541")]),
    ("www.alphaxiv.org/abs/2402.00001.", [A("2402.00001")]),
    ("export.arxiv.org/abs/math.GT/0309136", [A("math/0309136")]),
    ("it costs 1234.5678 dollars, or $2401.08541, up 2401.08541%", []),
    ("bare 2015+ ids count: 2401.08541 and (2402.00001v2).", [A("2401.08541"), A("2402.00001", 2)]),
    ("but not 1401.1234, 2413.12345, 2401.085411, 10.2401.08541 or 2401.08541.5", []),
    ("pi is 3.1415, e is 2.7182", []),
    ("evil.arxiv.org/abs/2401.08541 notarxiv.org/abs/2401.08541", []),
    ("arxiv.org/abs/2413.12345 is a typo", []),
    ("arxiv.org/list/cs.CL/new", []),
    ("arxiv.org/papers/2401.08541 hf.co/abs/2401.08541", []),
    ("see arXiv:2401.085412", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_find_references(text: str, expected: list[ArxivRef]) -> None:
    assert find_references(text) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "arxiv.org/abs/" * 8000,
        "arXiv:" * 20000,
        "1234.5678 " * 10000,
        "https://" * 15000,
        "a" * 100_000,
        "arxiv.org/abs/2401." + "1" * 100_000,
        ("https://huggingface.co/papers/2403.09629 " * 3000)[:100_000],
    ],
)
def test_hostile_messages_stay_cheap(hostile: str) -> None:
    refs = find_references(hostile)  # the per-test timeout guards against runaway regexes
    assert len(refs) <= 1
