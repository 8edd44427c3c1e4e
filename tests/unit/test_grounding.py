"""Grounding: numbers and named benchmarks in a summary must come from the title or abstract."""

from __future__ import annotations

import pytest

from bot.domain import Paper
from bot.services.grounding import evidence, ground, is_supported, paper_evidence, unsupported

AIM = (
    "We illustrate the practical implication of these findings by pre-training a 7 billion "
    "parameter AIM on 2 billion images, that achieves 84.0% on ImageNet-1k with a frozen trunk."
)
CPO = (
    "Moderate-sized large language models (LLMs) -- those with 7B or 13B parameters -- exhibit "
    "promising machine translation (MT) performance. We introduce Contrastive Preference "
    "Optimization, a novel approach. Applying it to ALMA models with only 22K parallel sentences "
    "and 12M parameters yields improvements of 5.9 \\% over 1,000 baselines. The resulting "
    "model, called ALMA-R, can match the WMT competition winners on WMT'21, WMT'22 and WMT'23, "
    "and improves on MMLU and CommonsenseQA in three settings."
)
EV = evidence("Contrastive Preference Optimization", CPO + " " + AIM)


@pytest.mark.parametrize(
    "claim",
    [
        "Improves by 5.9% over the baselines.",
        "Improves by 5.9 % over 1000 baselines.",
        "Uses 1,000 baselines and 22K sentences.",
        "A 7B model reaches 84% on ImageNet-1k.",
        "Pre-trains a 7,000,000,000 parameter model on 2 billion images.",
        "Works for 13B models with 12M trainable parameters.",
        "ALMA-R matches winners on WMT'23.",
        "ALMA-R matches winners on WMT’22.",
        "Results on MMLU and CommonsenseQA, and on ImageNet.",
        "CPO is a new preference objective for LLMs.",
        "Evaluated in 3 settings.",
        "Pre-trains a 7-billion parameter model.",
    ],
)
def test_supported_claims(claim: str) -> None:
    assert unsupported(claim, EV) == []


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        ("Improves accuracy by 10.9%.", ["10.9"]),
        ("Beats GPT-4 on GSM8K.", ["GPT-4", "GSM8K"]),
        ("Trains a 70B model.", ["70"]),
        ("Costs $3M.", ["3"]),
        ("Scores 84.5% on HumanEval.", ["84.5", "HumanEval"]),
        ("Matches the winners on WMT'19.", ["WMT'19"]),
    ],
)
def test_invented_numbers_and_benchmarks_are_reported(claim: str, missing: list[str]) -> None:
    assert unsupported(claim, EV) == missing


@pytest.mark.parametrize(
    "claim",
    [
        "AIM은 20억 장의 이미지로 사전 학습된 70억 파라미터 모델입니다.",
        "ImageNet-1k에서 84.0%의 정확도를 달성했습니다.",
        "7B 모델은 5.9% 향상되었습니다.",
        "ImageNet-1kで84.0%の精度を達成した。",
        "在 ImageNet-1k 上达到 84.0%，使用 20亿 张图像。",
    ],
)
def test_korean_japanese_chinese_output_with_supported_numbers(claim: str) -> None:
    assert is_supported(claim, EV)


@pytest.mark.parametrize(
    "claim",
    [
        "GSM8K에서 10.9% 향상되었습니다.",
        "GSM8Kで10.9%向上した。",
        "模型在 GSM8K 上提升了 10.9%。",
        "30억 장의 이미지로 학습했습니다.",
        "7억 개의 파라미터를 사용합니다.",
    ],
)
def test_korean_japanese_chinese_output_with_invented_numbers(claim: str) -> None:
    assert not is_supported(claim, EV)


def test_identifiers_and_urls_are_not_read_as_numbers() -> None:
    ev = evidence("A 3D agent", "Code at https://github.com/lab/agent-2024 with 600 skills.")
    assert unsupported("A 3D agent with 600 skills, code at https://example.org/v7/9", ev) == []
    assert unsupported("The 2024 release", ev) == ["2024"]


def test_numbers_in_the_papers_own_arxiv_id_do_not_support_claims() -> None:
    paper = Paper(
        arxiv_id="2401.08541",
        version=2,
        title="Scalable Pre-training of Large Autoregressive Image Models",
        abstract=AIM + " Details at arXiv:2401.08541v2 and https://arxiv.org/abs/2401.08541.",
    )
    ev = paper_evidence(paper)
    assert not is_supported("It improves results by 2401 points.", ev)
    assert not is_supported("It reaches 8541 images per second.", ev)
    assert is_supported("It reaches 84.0% on ImageNet-1k.", ev)


def test_ground_drops_unsupported_points_and_flags_the_tldr() -> None:
    result = ground(
        "Improves MT by 10.9%.",
        ["Uses 22K sentences.", "Beats GPT-4 on GSM8K.", "Works for 13B models.", "Costs $3M."],
        EV,
    )
    assert result.tldr is None
    assert result.key_points == ("Uses 22K sentences.", "Works for 13B models.")
    assert result.dropped == 3


def test_ground_keeps_a_fully_supported_summary() -> None:
    result = ground("CPO improves 13B models by 5.9%.", ["Uses 22K sentences."], EV)
    assert result.tldr == "CPO improves 13B models by 5.9%."
    assert result.key_points == ("Uses 22K sentences.",)
    assert result.dropped == 0


def test_acronyms_need_their_words_in_the_source() -> None:
    ev = evidence("Retrieval Augmented Thoughts", "We propose a retrieval-augmented method.")
    assert is_supported("RAT revises thoughts with retrieval.", ev)
    assert not is_supported("RAG and DPO are compared.", ev)
