"""`paperboy schedule`, `paperboy digest --post` and `paperboy run` as an operator runs them:
real processes, the test Redis, loopback fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.harness import fake_env, sample_papers
from tests.harness import run_cli as paperboy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def env(redis_url: str, tmp_path: Path, slack: FakeSlack) -> Iterator[dict[str, str]]:
    papers = sample_papers()
    with FakeArxiv(papers) as arxiv, FakeHuggingFace() as hf, FakeOpenAI() as llm:
        hf.add(date(2024, 3, 12), *papers[:3])
        yield fake_env(
            redis_url,
            arxiv,
            hf,
            llm,
            PAPERBOY_DATA_DIR=tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.api_url,
            PAPERBOY_SLACK_POST_INTERVAL=0,
            PAPERBOY_TEST_NOW="2024-03-18T10:00:00+09:00",
        )


def test_set_list_and_turn_off(env: dict[str, str]) -> None:
    made = paperboy(
        "schedule",
        "set",
        "slack:C9",
        "0 9 * * MON",
        "--tz",
        "Asia/Seoul",
        "--size",
        "5",
        "--lang",
        "ko",
        "--topics",
        "LLM agents, cs.CL",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    assert "next digest Mon, Mar 25, 2024 09:00 KST" in made.stdout

    listed = paperboy("schedule", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)["channels"]
    assert row["channel"] == "slack:C9"
    assert (row["cron"], row["timezone"], row["size"], row["language"]) == (
        "0 9 * * MON",
        "Asia/Seoul",
        5,
        "ko",
    )
    assert (row["topics"], row["categories"]) == (["llm agents"], ["cs.CL"])
    assert row["this_week"] == {"week": "2024-W12", "posted": False}
    assert row["next"] == "2024-03-25T09:00:00+09:00"

    table = paperboy("schedule", "list", env=env)
    assert "slack:C9" in table.stdout
    assert "2024-W12 due" in table.stdout

    assert paperboy("schedule", "off", "slack:C9", env=env).returncode == 0
    (off,) = json.loads(paperboy("schedule", "list", "--json", env=env).stdout)["channels"]
    assert off["digests"] is False
    assert off["cron"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("schedule", "set", "slack:C9", "0 9 * *"), "five fields"),
        (("schedule", "set", "slack:C9", "--tz", "Mars/Olympus"), "Asia/Seoul"),
        (("schedule", "set", "C9"), "slack:C123"),
        (("schedule", "set", "slack:C9", "--sources", "rss"), "hf, arxiv, shared"),
        (("digest", "--post"), "--channel"),
        (("digest", "--post", "--preview", "--channel", "slack:C9"), "--preview"),
        (("digest", "--post", "--channel", "discord:1"), "DISCORD_TOKEN"),
        (("run", "discord"), "DISCORD_TOKEN"),
    ],
)
def test_mistakes_are_one_clear_line(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = paperboy(*args, env=env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_any_platform_says_what_to_set(env: dict[str, str]) -> None:
    result = paperboy("run", env={k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"})
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN and/or DISCORD_TOKEN" in result.stderr


def test_post_now_goes_through_the_weekly_key(env: dict[str, str], slack: FakeSlack) -> None:
    first = paperboy("digest", "--post", "--channel", "slack:C77", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "channel": "slack:C77",
        "week": "2024-W12",
        "covers": "Mar 11\u2009–\u200917, 2024",
        "outcome": "posted",
        "posted": 4,
    }
    again = paperboy("digest", "--post", "--channel", "slack:C77", env=env)
    assert again.returncode == 0, again.stderr
    assert "already posted" in again.stdout
    assert [p["channel"] for p in slack.posted] == ["C77"] * 4


def test_a_token_slack_refuses_is_named(env: dict[str, str]) -> None:
    result = paperboy(
        "digest", "--post", "--channel", "slack:C77", env={**env, "SLACK_BOT_TOKEN": "xoxb-wrong"}
    )
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN: Slack refused it (invalid_auth)" in result.stderr
    assert "xoxb-wrong" not in result.stderr
