"""Table tests for `/paper` input parsing and for finding papers in chat messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


# The forms of issue 11, as they appear in chat
FOUND_FORMS = [
    ("see arXiv:2401.08541v2 [cs.CL] 16 Jan 2024 for details", [A("2401.08541", 2)]),
    ("(arXiv:2401.08541 [cs.CL])", [A("2401.08541")]),
    ("doi: https://doi.org/10.48550/arXiv.2103.15538", [A("2103.15538")]),
    ("https://dx.doi.org/10.48550/arXiv.2103.15538v2", [A("2103.15538", 2)]),
    ("cite doi:10.48550/ARXIV.1909.01326.", [A("1909.01326")]),
    ("10.48550/arXiv.hep-th/9711200", [A("hep-th/9711200")]),
    (
        "https://arxiv.org/ps/2103.15538v1 https://arxiv.org/src/2103.15539 arxiv.org/tb/2103.15540",
        [A("2103.15538", 1), A("2103.15539"), A("2103.15540")],
    ),
    ("https://www.arxiv.org/html/2103.15538v2/ and /pdf/", [A("2103.15538", 2)]),
    ("<https://arxiv.org/pdf/2103.15538v2.pdf|paper>", [A("2103.15538", 2)]),
    (
        "https://www.alphaxiv.org/zh/abs/2103.15538 and alphaxiv.org/pt-BR/overview/2103.15539",
        [A("2103.15538"), A("2103.15539")],
    ),
    (
        "https://www.alphaxiv.org/pdf/2103.15538 https://www.alphaxiv.org/html/2103.15539v2/",
        [A("2103.15538"), A("2103.15539", 2)],
    ),
    ("https://pdfs.assets.alphaxiv.org/2103.15538v1.pdf", [A("2103.15538", 1)]),
    ("notalphaxiv.org/abs/2103.15538 evil.pdfs.assets.alphaxiv.org/2103.15538", []),
    ("alphaxiv.org/zh/list/2103.15538 arxiv.org/list/2103.15538", []),
    ("10.48550/arXiv.2413.12345 and 10.1145/3442188.3445922", []),
    ("x10.48550/arXiv.2103.15538", []),
]


@pytest.mark.parametrize(("text", "expected"), FOUND + FOUND_FORMS)
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
        "10.48550/arxiv." * 7000,
        "https://www.alphaxiv.org/zh/" * 4000,
        "arXiv:2401.08541 [cs.CL] " * 4000,
    ],
)
def test_hostile_messages_stay_cheap(hostile: str) -> None:
    refs = find_references(hostile)  # the per-test timeout guards against runaway regexes
    assert len(refs) <= 1


# -- arXiv's identifier rules, case by case --------------------------------------------------------
@dataclass(frozen=True)
class Refused:
    """parse_reference raises BadReference whose message contains `why`."""

    why: str


@dataclass(frozen=True)
class NotAnId:
    """Not an arXiv id at all: a keyword search (or a refusal), never an ArxivRef."""


Expected = ArxivRef | Refused | NotAnId

ARXIV_RULES: list[tuple[str, Expected]] = [
    # arXiv/arxiv-browse tests/test_identifier.py, test_identifier_fields and test_good_identifiers
    ("0803.1924", A("0803.1924")),
    ("hep-th/0701051v4", A("hep-th/0701051", 4)),
    ("1201.0001", A("1201.0001")),
    ("hep-th/9901001", A("hep-th/9901001")),
    ("arxiv:hep-th/9901001", A("hep-th/9901001")),
    ("0704.0001", A("0704.0001")),
    ("/hep-th/0702050", A("hep-th/0702050")),
    ("/0708.1234v1", A("0708.1234", 1)),
    # ... the same good ids as the URL paths arXiv's Identifier normalises (`//`, extra segments)
    ("https://arxiv.org/abs//hep-th/0702050v1", A("hep-th/0702050", 1)),
    ("https://arxiv.org/abs/hep-th//9901001", A("hep-th/9901001")),
    ("https://arxiv.org/abs/hep-th///9901001", A("hep-th/9901001")),
    ("https://arxiv.org/abs/hep-th/9901001/extra", A("hep-th/9901001")),
    ("https://arxiv.org/abs/HEP-TH/9901001/ExTrA", A("hep-th/9901001")),
    ("https://arxiv.org/abs/0708.1234/", A("0708.1234")),
    # arXiv/arxiv-browse tests/test_identifier.py, test_bad_identifiers (the tuple's adjacent
    # strings concatenate where a comma is missing; both the joined and the separate forms here)
    ("BAD_ID", NotAnId()),
    ("hep-th/990100", Refused("7 digits")),
    ("hep-th/99010011", Refused("7 digits")),
    ("0703.123", Refused("4 or 5 digits")),
    ("0703.123456", Refused("4 or 5 digits")),
    ("", Refused("Nothing to look up")),
    ("/", Refused("no words")),
    ("0713.0001", Refused("no month 13")),
    ("0800.0001", Refused("no month 00")),
    ("0800.0001quant-ph/9409000", NotAnId()),
    ("quant-ph/9409000", Refused("start at 1")),
    ("0704.0000", Refused("start at 1")),
    ("quant-ph/940900", Refused("7 digits")),
    ("quant-ph/94090000", Refused("7 digits")),
    ("quant-ph/94091", Refused("7 digits")),
    ("quant-ph/940912", Refused("7 digits")),
    ("quant-ph/94091234", Refused("7 digits")),
    ("0707.000", Refused("4 or 5 digits")),
    ("0707.00000", Refused("before 2015")),
    ("0707.1", Refused("4 or 5 digits")),
    ("0707.12", Refused("4 or 5 digits")),
    ("0707.123", Refused("4 or 5 digits")),
    ("0707.123456", Refused("4 or 5 digits")),
    ("0705.35950705.3595v1/", NotAnId()),
    ("arxiv:0705.35950705.3595v1/", Refused("shape")),
    ("0707.2096va", Refused("4 digits, a dot")),
    ("0707.2096va/", Refused("4 digits, a dot")),
    ("0612.1234", Refused("0704")),
    ("0612.12340703.1234", NotAnId()),
    ("0703.1234", Refused("0704")),
    # arXiv/arxiv-base arxiv/identifier/test_arxiv_identifier.py
    ("physics/0303098", A("physics/0303098")),
    ("physics/0303098/", A("physics/0303098")),
    ("https://arxiv.org/abs/physics/0303098/static/icon.png", A("physics/0303098")),
    # arXiv/arxiv-base arxiv/identifier/tests.py (parse_arxiv_id finds ids in text; these are the
    # ids it finds, judged by Identifier: five digits before 2015 is not an id)
    ("math/9901123", A("math/9901123")),
    ("hep-ex/9901123", A("hep-ex/9901123")),
    ("gr-qc/9901123", A("gr-qc/9901123")),
    ("math.NA/9901123", A("math/9901123")),
    ("cs.DB/9901123", A("cs/9901123")),
    ("gr-qc/9901123v3", A("gr-qc/9901123", 3)),
    ("hep-ph/1203.12345v12", NotAnId()),
    ("1202.1234", A("1202.1234")),
    ("1203.12345", Refused("before 2015")),
    ("1202.1234v1", A("1202.1234", 1)),
    ("1203.12345v1", Refused("before 2015")),
    # lukasschwab/arxiv.py tests/test_client.py, test_result.py (ids sent to the API)
    ("1707.08567", A("1707.08567")),
    ("quant-ph/0201082v1", A("quant-ph/0201082", 1)),
    ("abc", NotAnId()),
    ("0000.0000", Refused("no month 00")),
    ("0808.05394", Refused("before 2015")),
    # lukasschwab/arxiv.py tests/fixtures (ids of the recorded API answers)
    ("hep-ex/0406020v1", A("hep-ex/0406020", 1)),
    ("astro-ph/0601001", A("astro-ph/0601001")),
    ("2104.12255v1", A("2104.12255", 1)),
    ("1605.08386", A("1605.08386")),
    ("1111.2011v2", A("1111.2011", 2)),
    # jannisborn/paperscraper paperscraper/tests/test_pdf.py (an arXiv DataCite DOI)
    ("10.48550/arXiv.2207.03928", A("2207.03928")),
    # arXiv's scheme (info.arxiv.org/help/arxiv_identifier): old archives, years and months.
    # arxiv-base's Identifier zero-pads `1501.1234` to 1501.01234; we refuse it as a typo.
    ("1501.1234", Refused("0704")),
    ("1412.12345", Refused("before 2015")),
    ("1501.00001", A("1501.00001")),
    ("2401.08541v0", Refused("v1")),
    ("hep-th/9901001v0", Refused("v1")),
    ("hep-th/0704001", Refused("1991 to March 2007")),
    ("hep-th/9013001", Refused("no month 13")),
    ("hep-th/9012001", Refused("1991 to March 2007")),
    ("hep-tj/9901001", Refused("no archive named hep-tj")),
    ("arXiv:hello/1234567", Refused("no archive named hello")),
    # What people paste (issue 11): citations and the stamp arXiv prints on PDFs
    ("arXiv:2401.08541 [cs.CL]", A("2401.08541")),
    ("arXiv:2401.08541v2 [cs.CL] 16 Jan 2024", A("2401.08541", 2)),
    ("arXiv:2401.08541v2 [cs.CV] 16 Jan 2024", A("2401.08541", 2)),
    ("2401.08541 [cs.CL]", A("2401.08541")),
    ("arXiv:hep-th/9711200v3 22 Jan 1998", A("hep-th/9711200", 3)),
    ("arXiv:2103.15538v1 [physics.acc-ph] 29 Mar 2021", A("2103.15538", 1)),
    ("arXiv:2413.12345 [cs.CL]", Refused("no month 13")),
    # ... DataCite DOIs
    ("10.48550/arXiv.2103.15538", A("2103.15538")),
    ("10.48550/ARXIV.1909.01326", A("1909.01326")),
    ("doi:10.48550/arXiv.2103.15538", A("2103.15538")),
    ("https://doi.org/10.48550/arXiv.2103.15538", A("2103.15538")),
    ("https://dx.doi.org/10.48550/arXiv.2103.15538", A("2103.15538")),
    ("doi.org/10.48550/arxiv.2211.07393", A("2211.07393")),
    ("10.48550/arXiv.hep-th/9711200", A("hep-th/9711200")),
    ("10.48550/arXiv.2413.12345", Refused("no month 13")),
    ("10.1145/3442188.3445922", Refused("arXiv DOIs")),
    ("https://doi.org/10.1145/3442188.3445922", Refused("arXiv DOIs")),
    # ... arxiv.org links of every kind
    ("https://arxiv.org/ps/2103.15538v1", A("2103.15538", 1)),
    ("https://arxiv.org/src/2103.15538", A("2103.15538")),
    ("https://arxiv.org/tb/2103.15538", A("2103.15538")),
    ("https://arxiv.org/abs/2103.15538", A("2103.15538")),
    ("https://arxiv.org/pdf/2103.15538", A("2103.15538")),
    ("https://arxiv.org/pdf/2103.15538v2.pdf", A("2103.15538", 2)),
    ("https://arxiv.org/html/2103.15538v2/", A("2103.15538", 2)),
    ("https://www.arxiv.org/ps/2103.15538v1", A("2103.15538", 1)),
    ("https://www.arxiv.org/html/2103.15538v2/", A("2103.15538", 2)),
    ("https://export.arxiv.org/src/2103.15538v1", A("2103.15538", 1)),
    ("https://arxiv.org/ps/hep-th/9711200v1", A("hep-th/9711200", 1)),
    ("https://arxiv.org/tb/2413.12345", Refused("no month 13")),
    # ... alphaxiv
    ("https://www.alphaxiv.org/abs/2103.15538", A("2103.15538")),
    ("https://www.alphaxiv.org/overview/2103.15538", A("2103.15538")),
    ("https://www.alphaxiv.org/pdf/2103.15538", A("2103.15538")),
    ("https://www.alphaxiv.org/html/2103.15538v2/", A("2103.15538", 2)),
    ("https://www.alphaxiv.org/zh/abs/2103.15538", A("2103.15538")),
    ("https://www.alphaxiv.org/ko/overview/2103.15538v1", A("2103.15538", 1)),
    ("https://www.alphaxiv.org/pt-BR/abs/2103.15538", A("2103.15538")),
    ("https://pdfs.assets.alphaxiv.org/2103.15538v1.pdf", A("2103.15538", 1)),
    ("https://www.alphaxiv.org/zh/list/2103.15538", Refused("does not point at one paper")),
    ("https://pdfs.assets.alphaxiv.org/", Refused("does not point at one paper")),
]


@pytest.mark.parametrize(("text", "expected"), ARXIV_RULES)
def test_arxiv_identifier_rules(text: str, expected: Expected) -> None:
    got = outcome(parse_reference, text)
    assert agrees(got, expected), got


def outcome(parse: Callable[[str], object], text: str) -> Expected:
    """What a parser made of `text`, in the table's terms (also run against older versions)."""
    try:
        ref = parse(text)
    except BadReference as refused:
        return Refused(str(refused))
    return ref if isinstance(ref, ArxivRef) else NotAnId()


def agrees(got: object, expected: Expected) -> bool:
    if isinstance(expected, Refused):
        return isinstance(got, Refused) and expected.why in got.why
    return got == expected
