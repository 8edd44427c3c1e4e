"""Passages, BM25 ranking, blending and the token budget: pure functions, no I/O."""

from __future__ import annotations

import numpy as np

from bot.services.ask import coverage_order, detect_language, quote_in
from bot.services.fulltext import Block, FullText
from bot.services.passages import (
    Passage,
    PassageIndex,
    blend,
    count_tokens,
    ranked,
    split_passages,
    within_budget,
)

TEXT = FullText(
    arxiv_id="2401.00001",
    version=1,
    source="html",
    blocks=(
        Block(section="1 Introduction", text="Small models struggle to reason. " * 60),
        Block(section="4.2 Results", text="Accuracy on GSM8K rises to 10.9%."),
        Block(
            section="4.2 Results",
            text="Table 3: Accuracy\nOurs | 10.9",
            kind="table",
            label="Table 3",
        ),
        Block(section="5 Limitations", text="Inference is 12 times slower."),
    ),
)


def test_long_blocks_are_split_between_sentences_and_keep_their_section() -> None:
    passages = split_passages(TEXT, max_chars=300)
    intro = [p for p in passages if p.section == "1 Introduction"]
    assert len(intro) > 3
    assert all(len(p.text) <= 300 for p in intro)
    assert all(p.text.endswith(".") for p in intro)
    assert [p.number for p in passages] == list(range(len(passages)))
    assert passages[-2].where == "4.2 Results, Table 3"


def test_bm25_ranks_the_passage_that_answers_first_with_stemming() -> None:
    passages = split_passages(TEXT)
    index = PassageIndex(passages)
    best = ranked(passages, index.bm25("what limits inference?"))[0]
    assert best.section == "5 Limitations"
    assert not index.bm25("weather tomorrow").any()


def test_blend_mixes_scaled_scores() -> None:
    lexical = np.array([0.0, 2.0, 4.0], dtype=np.float32)
    assert blend(lexical, None).tolist() == [0.0, 0.5, 1.0]
    similarity = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    assert blend(lexical, similarity).tolist() == [0.5, 0.25, 0.5]


def test_budget_takes_the_best_that_fit_in_document_order() -> None:
    passages = [Passage(i, "S", "word " * 50) for i in range(10)]
    chosen = within_budget(
        list(reversed(passages)), budget_tokens=3 * (count_tokens("word " * 50) + 9)
    )
    assert [p.number for p in chosen] == [7, 8, 9]
    assert count_tokens("hello world") == 2


def test_coverage_order_visits_every_section_before_going_deeper() -> None:
    passages = [Passage(0, "A", "a1"), Passage(1, "A", "a2"), Passage(2, "B", "b1")]
    assert [p.number for p in coverage_order(passages)] == [0, 2, 1]


def test_language_comes_from_the_question_script() -> None:
    assert detect_language("GSM8K 정확도는?", "en") == "ko"
    assert detect_language("この表は何を示していますか", "en") == "ja"
    assert detect_language("这个结果说明了什么", "en") == "zh"
    assert detect_language("What does Table 3 show?", "ko") == "en"
    assert detect_language("Qu'est-ce que ça montre ?", "ja") == "ja"


def test_quotes_match_despite_case_spacing_and_ellipses() -> None:
    passage = "Zero-shot accuracy on GSM8K improves from 5.9% to 10.9% after training."
    assert quote_in("accuracy on  gsm8k improves … 10.9%", passage)
    assert not quote_in("accuracy reaches 99.9%", passage)
    assert not quote_in("", passage)
