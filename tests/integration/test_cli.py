"""The `paperboy` command as a user runs it: a real process, real Redis, loopback fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.harness import fake_env, quiet_star
from tests.harness import run_cli as paperboy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fakes() -> Iterator[tuple[FakeArxiv, FakeHuggingFace, FakeOpenAI]]:
    with FakeArxiv([quiet_star()]) as arxiv, FakeHuggingFace() as hf, FakeOpenAI() as llm:
        yield arxiv, hf, llm


@pytest.fixture
def env(redis_url: str, fakes: tuple[FakeArxiv, FakeHuggingFace, FakeOpenAI]) -> dict[str, str]:
    return fake_env(redis_url, *fakes, OPENAI_API_KEY="sk-cli-test-secret", PAPERBOY_HTTP_RETRIES=1)


def test_quickstart_sample_preview_runs_offline_with_embedded_redis(tmp_path: Path) -> None:
    result = paperboy(
        "digest",
        "--preview",
        "--sample",
        env={
            "PAPERBOY_DATA_DIR": str(tmp_path / "data"),
            "PAPERBOY_ARXIV_API_URL": "http://127.0.0.1:9/unreachable",
            "PAPERBOY_HF_API_URL": "http://127.0.0.1:9/unreachable",
        },
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Paperboy weekly digest · Mar 11\u2009–\u200917, 2024" in out  # the sample week's days
    assert "Quiet-STaR" in out
    assert out.count("https://arxiv.org/abs/") == 8
    assert "Extractive summary" in out  # no key: labelled extractive summaries
    assert "started an embedded Redis" in result.stderr
    # The server ran from the user's data dir (persistence itself: test_embedded_redis.py).
    assert (tmp_path / "data" / "redis.log").exists()


def test_sample_preview_in_japanese_with_limit(tmp_path: Path) -> None:
    result = paperboy(
        "digest",
        "--preview",
        "--sample",
        "--lang",
        "ja",
        "--limit",
        "3",
        env={"PAPERBOY_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "今週の注目論文" in result.stdout
    assert result.stdout.count("https://arxiv.org/abs/") == 3


def test_paper_json(
    env: dict[str, str], fakes: tuple[FakeArxiv, FakeHuggingFace, FakeOpenAI]
) -> None:
    result = paperboy("paper", "2403.09629", "--lang", "ko", "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["paper"]["id"] == "2403.09629"
    assert data["paper"]["version"] == 1
    assert data["paper"]["authors"][0] == "Eric Zelikman"
    assert data["paper"]["links"]["PDF"] == "https://arxiv.org/pdf/2403.09629v1"
    assert data["summary"]["language"] == "ko"
    assert data["summary"]["source"] == "llm"
    assert 3 <= len(data["summary"]["key_points"]) <= 5
    assert "sk-cli-test-secret" not in result.stderr + result.stdout
    assert fakes[2].chat_calls() == 1


def test_paper_pretty_output(env: dict[str, str]) -> None:
    result = paperboy("paper", "https://arxiv.org/pdf/2403.09629v1.pdf", env=env)
    assert result.returncode == 0, result.stderr
    assert "Quiet-STaR" in result.stdout
    assert "TL;DR:" in result.stdout


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (("paper", "2413.99999"), {}, "2413.99999"),
        (("paper", "2401.99999"), {}, "arXiv has no paper 2401.99999"),
        (("paper", "x"), {"PAPERBOY_LANGUAGE": "fr"}, "PAPERBOY_LANGUAGE"),
        (("leaderboard", "--week", "2024-11"), {}, "2024-W11"),
        (("leaderboard", "--week", "2024-W11", "--all"), {}, "not both"),
        (("digest",), {}, "--preview"),
        (("digest", "--preview", "--channel", "nochannel"), {}, "slack:C123"),
    ],
)
def test_errors_are_one_line_without_traceback(
    env: dict[str, str], args: tuple[str, ...], extra_env: dict[str, str], message: str
) -> None:
    result = paperboy(*args, env={**env, **extra_env})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1


def test_leaderboard_json(env: dict[str, str]) -> None:
    empty = paperboy("leaderboard", "--all", "--json", env=env)
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout) == []  # a list of {"id", "title", "up", "down", "score"}


def test_help_lists_commands() -> None:
    result = paperboy("--help", env={})
    assert result.returncode == 0
    for command in ("paper", "digest", "leaderboard"):
        assert command in result.stdout
