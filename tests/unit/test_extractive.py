"""Extractive fallbacks: summaries from the abstract, tags, and the per-language trend paragraph."""

from __future__ import annotations

import re

import pytest

from bot.domain import LANGUAGES, Language, Paper
from bot.services.extractive import (
    common_themes,
    extractive_summary,
    key_phrases,
    no_key_hint,
    normalize_tag,
    normalize_tags,
    paper_tags,
    split_abstract,
    trend_paragraph,
)
from bot.services.sample import load_sample
from bot.text import clean_paper

AIM_ABSTRACT = """This paper introduces AIM, a collection of vision models pre-trained with an
autoregressive objective. These models are inspired by their textual counterparts, i.e., Large
Language Models (LLMs), and exhibit similar scaling properties. Specifically, we highlight two key
findings: (1) the performance of the visual features scale with both the model capacity and the
quantity of data, (2) the value of the objective function correlates with the performance of the
model on downstream tasks. We illustrate the practical implication of these findings by
pre-training a 7 billion parameter AIM on 2 billion images, that achieves 84.0\\% on ImageNet-1k
with a frozen trunk. It works. Interestingly, even at this scale, we observe no sign of saturation
in performance, as Smith et al. also note for language models. The pre-training of AIM is
similar to the pre-training of LLMs, and does not require any image-specific strategy to
stabilize the training at scale. Code is at https://github.com/apple/ml-aim for everyone."""

AIM = Paper(
    arxiv_id="2401.08541",
    version=1,
    title="Scalable Pre-training of Large Autoregressive Image Models",
    abstract=AIM_ABSTRACT,
    categories=("cs.CV", "cs.LG"),
)


def test_tldr_is_the_first_sentences_and_points_the_next_informative_ones() -> None:
    tldr, points = split_abstract(AIM_ABSTRACT)
    assert tldr.startswith("This paper introduces AIM, a collection of vision models")
    assert "\n" not in tldr
    assert tldr.endswith("similar scaling properties.")  # two short sentences fit
    assert 3 <= len(points) <= 5
    assert points[0].startswith("Specifically, we highlight two key findings")
    assert "It works." not in points  # too short to inform
    assert not any("https://" in p for p in points)
    assert any("84.0% on ImageNet-1k" in p for p in points)  # LaTeX rendered
    assert any(p.endswith("as Smith et al. also note for language models.") for p in points)


def test_a_long_first_sentence_is_the_whole_tldr() -> None:
    long_first = "We study " + "very " * 70 + "long sentences. Second sentence here is fine."
    tldr, _ = split_abstract(long_first)
    assert tldr.endswith("long sentences.")


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Large Language Models", "#large_language_models"),
        ("#Autoregressive Model", "#autoregressive_model"),
        ("  ##foo--bar  ", "#foo_bar"),
        ("teacher-forcing", "#teacher_forcing"),
        ("자기회귀 모델", "#자기회귀_모델"),
        ("大規模言語モデル", "#大規模言語モデル"),
        ("!!!", None),
    ],
)
def test_normalize_tag(raw: str, tag: str | None) -> None:
    assert normalize_tag(raw) == tag


def test_normalize_tags_deduplicates_and_limits() -> None:
    tags = normalize_tags(["LLM", "#llm", "Vision", "vision ", "a", "b", "c", "d", "e"])
    assert tags == ("#llm", "#vision", "#a", "#b", "#c", "#d")


def test_tags_prefer_ai_keywords_then_categories_then_key_phrases() -> None:
    with_keywords = AIM.model_copy(update={"ai_keywords": ("Autoregressive Image Models", "AIM")})
    assert paper_tags(with_keywords)[:3] == (
        "#autoregressive_image_models",
        "#aim",
        "#computer_vision",
    )
    assert paper_tags(AIM)[:2] == ("#computer_vision", "#machine_learning")
    # Was ("#scalable", "#pre_training", "#autoregressive"): lone title words are no tags.
    bare = Paper(arxiv_id="2401.00001", title="Scalable Pre-training of Autoregressive Models")
    assert all("_" in tag for tag in paper_tags(bare))


def test_category_tags_are_short_readable_names() -> None:
    paper = Paper(arxiv_id="2401.00001", title="T", categories=("cs.CL", "cs.CV", "hep-th"))
    assert paper_tags(paper) == ("#nlp", "#computer_vision")


def test_key_phrases_are_multi_word_and_free_of_stop_words() -> None:
    phrases = key_phrases(AIM)
    assert phrases
    for phrase in phrases:
        words = phrase.split()
        assert len(words) >= 2
        assert not {"the", "of", "and", "we", "this", "paper"} & set(words)
    assert "autoregressive objective" in phrases


SAMPLE = [clean_paper(p) for p in load_sample()]


def test_sample_week_tags_are_no_lone_title_words() -> None:
    for paper in SAMPLE:
        tags = paper_tags(paper)
        title_words = {w.lower() for w in re.findall(r"\w+", paper.title)}
        assert not [t for t in tags if t.removeprefix("#") in title_words], paper.title
        assert tags or not paper.abstract


def test_the_trend_draws_on_every_pick() -> None:
    themes = common_themes(SAMPLE)
    assert themes[0].endswith("language models")  # in most of the eight abstracts
    first_keywords = {k.lower() for k in SAMPLE[0].ai_keywords}
    assert not set(themes) <= first_keywords


def test_korean_trend_has_no_unresolved_particles() -> None:
    text = trend_paragraph(SAMPLE, "ko")
    assert "을(를)" not in text
    assert "이(가)" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_no_key_hint_is_one_line_in_the_language(language: Language) -> None:
    hint = no_key_hint(language)
    assert "\n" not in hint
    assert re.search(SCRIPTS[language], hint)
    assert "OPENAI_API_KEY" in hint
    assert trend_paragraph(SAMPLE, language, hint=True).endswith(hint)
    assert hint not in trend_paragraph(SAMPLE, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_extractive_summary_is_labelled_and_untranslated(language: Language) -> None:
    summary = extractive_summary(AIM, language)
    assert summary.source == "extractive"
    assert summary.language == language
    assert summary.title_translated is None
    assert summary.model is None
    assert summary.tldr.startswith("This paper introduces AIM")
    assert 3 <= len(summary.tags) <= 6


def test_extractive_summary_of_an_empty_abstract_uses_the_title() -> None:
    summary = extractive_summary(Paper(arxiv_id="2401.00002", title="Only a  Title"), "en")
    assert summary.tldr == "Only a Title"
    assert summary.key_points == ()


WEEK = [
    AIM.model_copy(update={"ai_keywords": ("vision models", "scaling")}),
    Paper(
        arxiv_id="2401.00003",
        title="Scaling Vision Transformers @everyone",
        ai_keywords=("vision models", "transformers"),
    ),
    Paper(
        arxiv_id="2401.00004",
        title="Retrieval Augmented Thoughts",
        ai_keywords=("retrieval", "scaling", "vision models"),
    ),
    Paper(arxiv_id="2401.00005", title="A Fourth Paper", categories=("cs.CL",)),
]
SCRIPTS = {
    "en": r"[A-Za-z]",
    "ko": r"[\uac00-\ud7a3]",
    "ja": r"[\u3040-\u30ff]",
    "zh": r"[\u4e00-\u9fff]",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_trend_paragraph_names_themes_and_titles_in_the_language(language: Language) -> None:
    text = trend_paragraph(WEEK, language)
    assert re.search(SCRIPTS[language], text)
    assert "vision models" in text
    assert "scaling" in text
    assert "Scalable Pre-training of Large Autoregressive Image Models" in text
    assert "Retrieval Augmented Thoughts" in text
    assert "A Fourth Paper" not in text  # only the top three titles
    assert "@everyone" not in text  # titles are sanitised


@pytest.mark.parametrize("language", LANGUAGES)
def test_trend_paragraph_of_an_empty_week_is_never_silent(language: Language) -> None:
    assert re.search(SCRIPTS[language], trend_paragraph([], language))
