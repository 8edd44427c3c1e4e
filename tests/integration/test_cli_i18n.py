"""`paperboy` speaks PAPERBOY_LANGUAGE: a Korean operator's schedule, team, leaderboard and error
lines are Korean (ids, commands, cron fields and dates aside), from real processes and the test
Redis."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.harness import paperboy_app, quiet_star, run_cli, vote

TEAM = "slack:T0001"
P = "2403.09629"


@pytest.fixture
def korean(redis_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "PAPERBOY_DATA_DIR": str(tmp_path),
        "PAPERBOY_LANGUAGE": "ko",
        "PAPERBOY_LOG_LEVEL": "WARNING",  # logs stay English: keep them out of what is checked
        "PAPERBOY_TEST_NOW": "2024-03-18T10:00:00+09:00",
    }


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words, once commands (`…`), options, ids (`slack:C9`),
    paths and numbers are set aside."""
    text = re.sub(r"`[^`]*`", " ", text)
    runs: list[list[str]] = [[]]
    for token in text.split():
        word = token.strip(".,:;!?()[]{}'\"·…│┃")
        if re.fullmatch(r"[A-Za-z]+", word):
            runs[-1].append(word)
        else:
            runs.append([])
    return [" ".join(run) for run in runs if len(run) >= 3]


def korean_output(done: subprocess.CompletedProcess[str], stream: str = "stdout") -> str:
    text: str = getattr(done, stream)
    assert re.search(r"[가-힣]", text), (done.stdout, done.stderr)
    assert english_runs(text) == [], text
    return text


def test_the_check_finds_english() -> None:
    """The check above can fail: it sees an English sentence among Korean and ids."""
    assert english_runs("slack:C9: weekly digests off") == ["weekly digests off"]
    assert english_runs("slack:C9: 주간 다이제스트를 껐습니다 (`paperboy schedule set`)") == []


def test_schedule_and_team_commands_speak_korean(korean: dict[str, str]) -> None:
    made = run_cli(
        "schedule",
        "set",
        "slack:C9",
        "0 9 * * MON",
        "--tz",
        "Asia/Seoul",
        "--size",
        "5",
        "--topics",
        "LLM agents, cs.CL",
        "--team",
        TEAM,
        env=korean,
    )
    assert made.returncode == 0, made.stderr
    assert "다음 다이제스트" in korean_output(made)

    listed = run_cli("schedule", "list", env={**korean, "COLUMNS": "250"})
    assert listed.returncode == 0, listed.stderr
    table = korean_output(listed)
    assert "주간 다이제스트" in table
    assert "2024-W12 게시 예정" in table
    assert "2024년 3월 25일" in table  # the next run, as Korean writes dates

    teams = run_cli("team", "list", env=korean)
    assert teams.returncode == 0, teams.stderr
    assert f"{TEAM}: 투표를 공유하는 팀 없음" in korean_output(teams)

    off = run_cli("schedule", "off", "slack:C9", env=korean)
    assert off.returncode == 0, off.stderr
    assert "주간 다이제스트를 껐습니다" in korean_output(off)


async def test_leaderboard_and_errors_speak_korean(korean: dict[str, str], redis_url: str) -> None:
    empty = run_cli("leaderboard", "--team", TEAM, "--all", env=korean)
    assert empty.returncode == 0, empty.stderr
    assert "아직 투표가 없습니다." in korean_output(empty)

    async with paperboy_app(redis_url) as h:
        await h.app.lookup.find(P)  # the title the leaderboard shows comes from the cache
        await vote(h.app.redis, h.app.votes, P, "U1", team=TEAM)
    board = run_cli("leaderboard", "--team", TEAM, "--all", env=korean)
    assert board.returncode == 0, board.stderr
    table = board.stdout.replace(quiet_star().title, "<title>")  # paper titles stay English
    assert english_runs(table) == [], board.stdout
    assert f"인기 논문 · {TEAM} · 전체 기간" in table
    assert "제목" in table
    assert P in table
    assert "<title>" in table

    both = run_cli("leaderboard", "--week", "2024-W11", "--all", env=korean)
    assert both.returncode == 1
    assert korean_output(both, "stderr").startswith("오류: --week와 --all은")

    bad = run_cli("team", "link", TEAM, "mastodon:9", env=korean)  # raised deep, shown in Korean
    assert bad.returncode == 1
    assert "오류: 팀 형식이 아닙니다" in korean_output(bad, "stderr")
    assert "Traceback" not in bad.stderr
