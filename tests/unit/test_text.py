import itertools
import re
from pathlib import Path

import pytest

from bot.domain import Paper
from bot.text import (
    clean,
    clean_paper,
    clean_tex,
    latex_to_text,
    sanitize,
    sentences,
    split_text,
    truncate,
)

SEEDS = Path("/work/shared/seeds")
ZWSP = "\u200b"


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


# Fragments of real arXiv titles and abstracts (as the API sends them) and what readers should see.
ARXIV_FRAGMENTS = [
    (
        "zero-shot improvements on GSM8K (5.9%$\\rightarrow$10.9%) and CommonsenseQA (36.3%$\\rightarrow$47.2%)",
        "zero-shot improvements on GSM8K (5.9%→10.9%) and CommonsenseQA (36.3%→47.2%)",
    ),
    (
        "Tensor Programs V: Tuning Large Neural Networks via Zero-Shot Hyperparameter Transfer ($\\mu$P)",
        "Tensor Programs V: Tuning Large Neural Networks via Zero-Shot Hyperparameter Transfer (μP)",
    ),
    ("we show that $\\mu$P transfers", "we show that μP transfers"),
    (
        "achieves 84.0\\% on ImageNet-1k with a frozen trunk",
        "achieves 84.0% on ImageNet-1k with a frozen trunk",
    ),
    ("an $\\ell_1$ penalty", "an ℓ_1 penalty"),
    ("the $\\ell_2$-norm of the gradient", "the ℓ_2-norm of the gradient"),
    ("for any $x \\in \\mathbb{R}^d$", "for any x ∈ ℝ^d"),
    ("a loss $\\mathcal{L}$ over $\\mathcal{D}$", "a loss ℒ over 𝒟"),
    ("regret of $\\tilde{O}(\\sqrt{T})$", "regret of Õ(√T)"),
    ("a regret bound of $O(\\sqrt{dT\\log T})$", "a regret bound of O(√(dT log T))"),
    ("with probability at least $1-\\delta$", "with probability at least 1-δ"),
    ("a $\\frac{1}{2}$-approximation", "a 1/2-approximation"),
    ("with rate $\\frac{\\log n}{n}$", "with rate (log n)/n"),
    ("runs in $O(n^{2})$ time", "runs in O(n^2) time"),
    ("error decays as $n^{-1/2}$", "error decays as n^(-1/2)"),
    ("the matrix $W^\\top W$", "the matrix W^⊤ W"),
    ("$\\varepsilon$-greedy exploration", "ε-greedy exploration"),
    ("$k$-nearest neighbours", "k-nearest neighbours"),
    ("over $10\\times$ faster", "over 10× faster"),
    ("a $2.5\\times$ speedup", "a 2.5× speedup"),
    ("reduces memory by $\\sim$50\\%", "reduces memory by ∼50%"),
    ("accuracy $\\geq 90\\%$", "accuracy ≥ 90%"),
    ("the Erd\\H{o}s--R\\'enyi random graph", "the Erdős–Rényi random graph"),
    ("Fran\\c{c}ois Chollet", "François Chollet"),
    ('Schr\\"{o}dinger bridge', "Schrödinger bridge"),
    ('G\\"odel machines', "Gödel machines"),
    ("Pe\\~na and co-authors", "Peña and co-authors"),
    ("Thirty years -- and counting", "Thirty years – and counting"),
    ("not one model --- but many", "not one model — but many"),
    ("pages 1--12", "pages 1–12"),
    ("the so-called ``grokking'' phenomenon", "the so-called “grokking” phenomenon"),
    ("\\emph{Quiet-STaR} is \\textbf{new}", "Quiet-STaR is new"),
    ("\\textit{i.e.}, the model", "i.e., the model"),
    (
        "Code: \\url{https://github.com/ezelikman/quiet-star}",
        "Code: https://github.com/ezelikman/quiet-star",
    ),
    ("see https://github.com/x/y~z--w for code", "see https://github.com/x/y~z--w for code"),
    ("as shown in Fig.~3", "as shown in Fig. 3"),
    ("cost only \\$5 and \\$10", "cost only $5 and $10"),
    ("improves by 50% on average", "improves by 50% on average"),
    ("50% of tokens & 20% of layers", "50% of tokens & 20% of layers"),
    ("the $\\log$-likelihood", "the log-likelihood"),
    ("SGD with momentum $\\beta$", "SGD with momentum β"),
    ("a $\\{0,1\\}$-valued function", "a {0,1}-valued function"),
    ("$\\alpha$-divergence", "α-divergence"),
    ("($\\approx$ 3 points)", "(≈ 3 points)"),
    ("\\LaTeX{} sources", "LaTeX sources"),
    ("in Section~\\ref{sec:exp}", "in Section"),
    ("prior work \\cite{vaswani2017attention} showed", "prior work showed"),
]


@pytest.mark.parametrize(("raw", "shown"), ARXIV_FRAGMENTS)
def test_arxiv_latex_becomes_readable_text_once_and_for_all(raw: str, shown: str) -> None:
    assert clean_tex(raw) == shown
    assert clean_tex(clean_tex(raw)) == clean_tex(raw)
    assert latex_to_text(latex_to_text(raw)) == latex_to_text(raw)


def test_there_are_at_least_forty_fragments() -> None:
    assert len(ARXIV_FRAGMENTS) >= 40


@pytest.mark.parametrize(
    "llm_text",
    [
        "costs $5 on A100 and $8 on H100",
        "about ~50% fewer tokens",
        "from $5-$10 per run",
        "uses \\alpha and snake_case names {x}",
        "a -- b",
    ],
)
def test_clean_never_touches_latex(llm_text: str) -> None:
    assert clean(llm_text) == llm_text


def test_clean_is_idempotent_on_hostile_text() -> None:
    text = "  @everyone\\x00 <!here|here> $x$ \\$5  and \\$10 ~50%\\u202e "
    assert clean(clean(text)) == clean(text)
    assert clean_tex(clean_tex(text)) == clean_tex(text)


def test_clean_paper_renders_every_text_field() -> None:
    paper = Paper(
        arxiv_id="2401.00001",
        title="$\\mu$P  scaling",
        authors=("Fran\\c{c}ois Chollet",),
        abstract="Gains of 3$\\times$.",
        ai_keywords=("$\\mu$P", "μP"),
    )
    cleaned = clean_paper(paper)
    assert (cleaned.title, cleaned.authors, cleaned.abstract) == (
        "μP scaling",
        ("François Chollet",),
        "Gains of 3×.",
    )
    assert cleaned.ai_keywords == ("μP",)
    assert clean_paper(cleaned) == cleaned


@pytest.mark.parametrize(
    "hostile",
    [
        "@channel",
        "@here now",
        "@everyone look",
        "@EVERYONE",
        "@Here",
        "＠everyone",
        "＠channel",
        "@еveryone",  # Cyrillic е
        "@һere",  # Cyrillic һ
        "hi@everyone",
        "<!channel>",
        "<!here>",
        "<!here|here>",
        "<!everyone>",
        "<!subteam^S0123ABC|@team>",
        "<@U024BE7LH>",
        "<@W024BE7LH>",
        "<@&123456789>",
        "<#C024BE7LB|general>",
        "<@123456789012345678>",
        "<@!123456789012345678>",
    ],
)
def test_every_mention_form_is_defused_idempotently(hostile: str) -> None:
    safe = sanitize(hostile)
    assert safe != hostile
    assert safe.replace(ZWSP, "") == hostile
    assert sanitize(safe) == safe
    for char in "@＠":
        assert all(part.startswith(ZWSP) for part in safe.split(char)[1:])
    assert all(part.startswith(ZWSP) for part in safe.split("<")[1:])


def test_a_defused_mention_stays_defused() -> None:
    assert sanitize(f"@{ZWSP}everyone") == f"@{ZWSP}everyone"


def test_email_addresses_stay_whole() -> None:
    assert sanitize("write to a.b@example.org") == "write to a.b@example.org"


def test_a_full_stop_glued_to_hangul_ends_a_sentence() -> None:
    assert sentences("새 방법을 제안했다.이 모델은 5.9% 더 좋다.") == [
        "새 방법을 제안했다.",
        "이 모델은 5.9% 더 좋다.",
    ]


def test_the_korean_seed_splits_at_each_glued_full_stop() -> None:
    text = (SEEDS / "003_715e51c09a6674f3.txt").read_text("utf-8")
    glued = re.findall(r"[\uac00-\ud7a3]\.(?=[^\s\d.,)\]])", text)
    assert len(glued) == 9
    parts = sentences(text)
    for before, after in [
        ("생성한다.", "π0는"),
        ("계산한다.", "놀랍게도"),
        ("것이다.", "정사각"),
        ("제안한다.", "그러한"),
        ("효율적이다.", "LoRA는 강력한"),
        ("잊어버린다.", "LoRA는 full"),
        ("프레임들이다.", "중요한"),
        ("유명하다.", "논문 제목은"),
        ("있다.", "https://"),
    ]:
        assert any(
            a.endswith(before) and b.startswith(after) for a, b in itertools.pairwise(parts)
        ), before


@pytest.mark.parametrize(
    "one_sentence",
    [
        "Accuracy rises from 5.9% to 10.9% on GSM8K.",
        "See arXiv 2403.09629 for details.",
        "Models, e.g. GPT-4, and methods, i.e. RLHF, were compared.",
        "As Smith et al. note, it scales.",
        "Results are in Fig. 3 and Eq. 2 of the paper.",
        "정확도가 5.9에서 10.9로 올랐다.",
    ],
)
def test_decimals_ids_and_abbreviations_do_not_end_a_sentence(one_sentence: str) -> None:
    assert sentences(one_sentence) == [one_sentence]
