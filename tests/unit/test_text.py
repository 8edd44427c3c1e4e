import pytest

from bot.text import clean, latex_to_text, sanitize, sentences, split_text, truncate


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GSM8K (5.9%$\\rightarrow$10.9%)", "GSM8K (5.9%→10.9%)"),
        ("\\emph{Quiet-STaR} is \\textbf{new}", "Quiet-STaR is new"),
        ("$O(n^{2})$ time", "O(n^2) time"),
        ("accuracy $\\geq$ 90\\%", "accuracy ≥ 90%"),
        ('Schr\\"{o}dinger', "Schrödinger"),
        ("$\\alpha$-divergence", "α-divergence"),
        ("cost \\$5", "cost $5"),
    ],
)
def test_latex_rendered_readably(raw: str, expected: str) -> None:
    assert latex_to_text(raw) == expected


def test_clean_folds_arxiv_hard_wraps() -> None:
    title = "Quiet-STaR: Language Models Can Teach Themselves to Think Before\n  Speaking"
    assert (
        clean(title) == "Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking"
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "@everyone look",
        "@here now",
        "<!channel> hi",
        "<!here>",
        "<!everyone>",
        "<!subteam^S123|@team>",
        "@EVERYONE",
        "<@&123456789>",
    ],
)
def test_mass_mentions_are_defused(hostile: str) -> None:
    safe = sanitize(hostile)
    assert "@everyone" not in safe.lower()
    assert "@here" not in safe.lower()
    assert "<!" not in safe
    assert "<@&" not in safe


def test_control_and_bidi_characters_are_removed() -> None:
    assert sanitize("a\x00b\u202ec\x1bd") == "abcd"


def test_sentences_keep_cjk_full_stops() -> None:
    assert sentences("First one. Second! 三番目。四番目。") == [
        "First one.",
        "Second!",
        "三番目。",
        "四番目。",
    ]


def test_split_never_cuts_inside_a_sentence() -> None:
    text = " ".join(f"Sentence number {i} ends here." for i in range(200))
    chunks = split_text(text, 300)
    assert all(len(c) <= 300 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == text


def test_split_hard_wraps_a_giant_sentence_within_the_limit() -> None:
    chunks = split_text("x" * 10_000, 3000)
    assert [len(c) for c in chunks] == [3000, 3000, 3000, 1000]


def test_truncate_adds_ellipsis_only_when_cut() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("word " * 100, 50)
    assert len(cut) <= 50
    assert cut.endswith("…")
