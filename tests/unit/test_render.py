from datetime import UTC, datetime

from bot.domain import Digest, DigestItem, Paper, Summary, Tally
from bot.render import (
    Bullets,
    Context,
    Heading,
    Links,
    Paragraph,
    Tags,
    VoteLine,
    plain_text,
    render_digest,
    render_paper,
)

PAPER = Paper(
    arxiv_id="2403.09629",
    version=1,
    title="Quiet-STaR: Language Models Can Teach Themselves to Think Before\n  Speaking",
    authors=("Eric Zelikman", "Georges Harik", "Yijia Shao", "Varuna Jayasiri"),
    primary_category="cs.CL",
    published=datetime(2024, 3, 14, tzinfo=UTC),
    github_repo="https://github.com/ezelikman/quiet-star",
)
SUMMARY = Summary(
    arxiv_id="2403.09629",
    version=1,
    language="ko",
    title_translated="Quiet-STaR: 말하기 전에 생각하기",
    tldr="언어 모델이 토큰마다 근거(rationale)를 생성하도록 학습합니다. @everyone",
    key_points=("GSM8K 5.9%→10.9%", "CommonsenseQA 36.3%→47.2%", "<!channel> 파인튜닝 없이"),
    tags=("#reasoning", "#self_taught"),
    source="llm",
)


def test_paper_message_has_every_part_in_order() -> None:
    msg = render_paper(PAPER, SUMMARY, Tally(up=3, down=1), rank=2, why="team votes +3/-1")
    kinds = [type(b) for b in msg.blocks]
    # The vote line is a Context every adapter shows as one, redrawn when the votes change.
    assert kinds == [
        Heading,
        Paragraph,
        Context,
        Paragraph,
        Bullets,
        Links,
        Tags,
        VoteLine,
        Context,
    ]
    heading = msg.blocks[0]
    assert isinstance(heading, Heading)
    assert (
        heading.text
        == "2. Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking"
    )
    assert heading.url == "https://arxiv.org/abs/2403.09629v1"
    assert msg.paper_id == "2403.09629"
    text = plain_text(msg)
    assert "요약: 언어 모델이" in text
    assert "핵심 포인트:" in text
    assert "코드: https://github.com/ezelikman/quiet-star" in text  # link labels in Korean too
    assert "PDF: https://arxiv.org/pdf/2403.09629v1" in text
    assert "👍 3 · 👎 1 투표 · 선정 이유: team votes +3/-1" in text
    assert "🤖 이 요약은 AI가" in text
    assert "Eric Zelikman, Georges Harik, Yijia Shao 외 · cs.CL · 2024-03-14" in text


def test_nothing_rendered_can_mass_mention() -> None:
    text = plain_text(render_paper(PAPER, SUMMARY, Tally()))
    assert "@everyone" not in text
    assert "<!channel>" not in text


def test_extractive_summaries_are_labelled_and_marked() -> None:
    summary = SUMMARY.model_copy(
        update={
            "source": "extractive",
            "language": "en",
            "title_translated": None,
            "ungrounded_dropped": 2,
        }
    )
    text = plain_text(render_paper(PAPER, summary, Tally()))
    assert "Extractive summary" in text
    assert "2 statements not supported by the abstract were removed" in text


def test_digest_is_a_header_then_one_message_per_paper() -> None:
    item = DigestItem(paper=PAPER, summary=SUMMARY, score=0.5, why="71 HF upvotes")
    digest = Digest(
        channel=None,
        week="2024-W11",
        language="ko",
        trend="이번 주는 추론이 화두였습니다.",
        trend_source="llm",
        items=(item, item),
    )
    messages = render_digest(digest)
    assert len(messages) == 3
    assert messages[0].paper_id is None
    assert "2024-W11" in plain_text(messages[0])
    assert "이번 주는 추론이" in plain_text(messages[0])
    assert [m.paper_id for m in messages[1:]] == ["2403.09629", "2403.09629"]


def test_empty_week_says_why() -> None:
    digest = Digest(
        channel=None,
        week="2024-W11",
        language="en",
        trend="",
        trend_source="extractive",
        empty_reason="No papers for 2024-W11: arXiv lists nothing on holidays.",
    )
    messages = render_digest(digest, late=True)
    assert len(messages) == 1
    text = plain_text(messages[0])
    assert "No papers for 2024-W11" in text
    assert "late" in text
