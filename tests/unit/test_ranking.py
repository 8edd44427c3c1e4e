from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import Paper, Tally
from bot.render import explain
from bot.services.ranking import Candidate, rank, wilson_lower_bound

NOW = datetime(2024, 3, 17, tzinfo=UTC)


def paper(i: str, **kw: object) -> Paper:
    return Paper.model_validate({"arxiv_id": i, "title": f"Paper {i}", **kw})


def test_wilson_prefers_many_votes_over_one() -> None:
    assert wilson_lower_bound(9, 1) > wilson_lower_bound(1, 0)
    assert wilson_lower_bound(0, 0) == 0
    assert wilson_lower_bound(0, 5) == pytest.approx(0, abs=1e-9)


def test_team_votes_outrank_hf_upvotes() -> None:
    voted = Candidate(paper("2403.00001", upvotes=5), Tally(up=6, down=0))
    popular = Candidate(paper("2403.00002", upvotes=300))
    top = rank([popular, voted], now=NOW)
    assert [r.candidate.paper.arxiv_id for r in top] == ["2403.00001", "2403.00002"]
    assert "team votes +6/-0" in explain(top[0].why, "en")
    assert "300 HF upvotes" in explain(top[1].why, "en")


def test_topics_lift_matching_papers_and_say_so() -> None:
    a = Candidate(paper("2403.00001", abstract="We study diffusion models for video."))
    b = Candidate(paper("2403.00002", abstract="A survey of databases."))
    top = rank([b, a], topics=["diffusion", "video generation"], now=NOW)
    assert top[0].candidate.paper.arxiv_id == "2403.00001"
    assert "matches diffusion" in explain(top[0].why, "en")


def test_categories_match_as_topics() -> None:
    a = Candidate(paper("2403.00001", categories=["cs.CL"]))
    b = Candidate(paper("2403.00002", categories=["cs.CV"]))
    assert rank([b, a], topics=["cs.CL"], now=NOW)[0].candidate.paper.arxiv_id == "2403.00001"


def test_recency_breaks_otherwise_equal_scores() -> None:
    old = Candidate(paper("2403.00001", published=NOW - timedelta(days=6)))
    new = Candidate(paper("2403.00002", published=NOW - timedelta(hours=1)))
    assert rank([old, new], now=NOW)[0].candidate.paper.arxiv_id == "2403.00002"


def test_limit_and_stable_order() -> None:
    cands = [Candidate(paper(f"2403.{i:05d}")) for i in range(50)]
    top = rank(cands, limit=10, now=NOW)
    assert len(top) == 10
    assert [r.candidate.paper.arxiv_id for r in top] == [f"2403.{i:05d}" for i in range(10)]
    assert explain(top[0].why, "en") == "new this week"


def test_shared_in_channel_counts() -> None:
    a = Candidate(paper("2403.00001"), shared=3)
    b = Candidate(paper("2403.00002"))
    top = rank([b, a], now=NOW)
    assert top[0].candidate.paper.arxiv_id == "2403.00001"
    assert "shared 3× in this channel" in explain(top[0].why, "en")


@pytest.mark.parametrize("seed", range(6))
def test_the_picks_are_those_of_scoring_every_candidate(seed: int) -> None:
    """`rank` matches topics only for candidates that can still be picked; with `limit` as
    large as the pool nothing is skipped, so its head must be the same picks, in order."""
    import random  # noqa: PLC0415

    rng = random.Random(seed)
    words = ["diffusion", "video", "language", "model", "agent", "graph", "survey"]
    pool = [
        Candidate(
            paper(
                f"2403.{i:05d}",
                abstract=" ".join(rng.choices(words, k=12)),
                categories=[rng.choice(["cs.CL", "cs.CV"])],
                upvotes=rng.choice([0, 1, 2, 50, 300]),
                published=NOW - timedelta(hours=rng.randint(0, 160)),
            ),
            Tally(up=rng.randint(0, 3), down=rng.randint(0, 1)),
            shared=rng.randint(0, 1),
        )
        for i in range(300)
    ]
    topics = ["language model", "diffusion", "cs.CV", "graph"]
    picked = rank(pool, topics=topics, limit=10, now=NOW)
    everything = rank(pool, topics=topics, limit=len(pool), now=NOW)
    assert [(r.candidate.paper.arxiv_id, r.score, r.why) for r in picked] == [
        (r.candidate.paper.arxiv_id, r.score, r.why) for r in everything[:10]
    ]
