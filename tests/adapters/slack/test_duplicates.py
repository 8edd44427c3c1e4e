"""Through the real Bolt app: `/paper` for a paper already posted in the channel this week
answers the asker alone with a link to that message (`chat.getPermalink`) and its votes;
`--again` posts a new copy."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import CHANNEL, SlackBed, reaction_body, tally

PAPER = "2403.09629"


def whispered(bed: SlackBed) -> str:
    return json.dumps(bed.slack.ephemeral[-1], ensure_ascii=False)


async def test_a_duplicate_links_to_the_first_post_with_its_votes(bed: SlackBed) -> None:
    ts = await bed.posted_paper(PAPER)
    await bed.event(reaction_body(ts, user="U0000001"))
    assert (await tally(bed.h.app, PAPER)).up == 1
    for text in (PAPER, f"arXiv:{PAPER}v1 [cs.CL]", f"https://arxiv.org/abs/{PAPER}"):
        answer = await bed.ask(text)
        assert answer.status == 200
    assert len(bed.slack.posts_in(CHANNEL)) == 1  # no second public copy
    assert len(bed.slack.ephemeral) == 3
    link = f"https://example.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
    assert link in whispered(bed)
    assert "👍 1 · 👎 0" in whispered(bed)
    assert f"/paper {PAPER} --again" in whispered(bed)
    assert bed.slack.ephemeral[-1]["user"] == "U2147483697"
    assert bed.h.llm.chat_calls() == 1  # a duplicate costs no summary


async def test_again_posts_a_new_copy_and_later_asks_link_to_it(bed: SlackBed) -> None:
    first = await bed.posted_paper(PAPER)
    second = await bed.posted_paper(f"{PAPER} --again")
    assert second != first
    assert len(bed.slack.posts_in(CHANNEL)) == 2
    await bed.ask(PAPER)
    assert second.replace(".", "") in whispered(bed)


async def test_another_channel_gets_its_own_copy(bed: SlackBed) -> None:
    await bed.posted_paper(PAPER)
    await bed.ask(PAPER, channel="C0ANOTHER1")
    assert len(bed.slack.posts_in("C0ANOTHER1")) == 1
    assert not bed.slack.ephemeral
