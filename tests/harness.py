"""A real Paperboy wired to loopback fakes of arXiv, Hugging Face and an OpenAI endpoint.

    async with paperboy_app(redis_url, PAPERBOY_LANGUAGE="ko") as h:
        reply = await h.app.command(ctx, "2403.09629")
        assert h.llm.chat_calls() == 1

Everything is the production composition root (`Paperboy.open`) with settings pointing at the
fakes; only the base URLs, the key and the pacing differ. Adapter tests add their platform's fake
next to these (see tests/adapters/).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.app import Paperboy
from bot.config import Settings, load_settings
from bot.domain import ChannelRef, Language, MessageRef, Paper, VoteChange
from bot.services.channels import ChannelStore
from bot.services.digest import DigestPlan
from bot.services.teams import TeamStore
from bot.services.votes import VoteStore
from bot.stores import channel_defaults
from tests.fakes.arxiv import FakeArxiv
from tests.fakes.hf import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
OUR_PREFIXES = ("PAPERBOY_", "OPENAI_", "SLACK_", "DISCORD_", "REDIS_")


def clean_environ() -> dict[str, str]:
    """This process's environment without any Paperboy setting a developer may have exported."""
    return {k: v for k, v in os.environ.items() if not k.startswith(OUR_PREFIXES)}


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m bot <args>` as a user runs it, with exactly the settings in `env`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean_environ(), "COLUMNS": "200", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def quiet_star() -> Paper:
    """The paper of tests/fixtures/arxiv_id_list_2403.09629.atom, as the arXiv client parses it."""
    return Paper(
        arxiv_id="2403.09629",
        version=1,
        title="Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking",
        authors=(
            "Eric Zelikman",
            "Georges Harik",
            "Yijia Shao",
            "Varuna Jayasiri",
            "Nick Haber",
            "Noah D. Goodman",
        ),
        abstract=(
            "When writing and talking, people sometimes pause to think. We present Quiet-STaR, a "
            "generalization of STaR in which LMs learn to generate rationales at each token to "
            "explain future text, improving their predictions. We propose a tokenwise parallel "
            "sampling algorithm, using learnable tokens indicating a thought's start and end. "
            "After continued pretraining, we find zero-shot improvements on GSM8K "
            "(5.9%$\\rightarrow$10.9%) and CommonsenseQA (36.3%$\\rightarrow$47.2%). Crucially, "
            "these improvements require no fine-tuning on these tasks."
        ),
        categories=("cs.CL", "cs.AI", "cs.LG"),
        primary_category="cs.CL",
        published=datetime(2024, 3, 14, 17, 58, 16, tzinfo=UTC),
        updated=datetime(2024, 3, 14, 17, 58, 16, tzinfo=UTC),
    )


def sample_papers() -> list[Paper]:
    """The bundled sample week (real arXiv ids, titles and abstracts)."""
    from bot.services.sample import load_sample  # noqa: PLC0415

    return load_sample()


@dataclass
class Harness:
    app: Paperboy
    settings: Settings
    arxiv: FakeArxiv
    hf: FakeHuggingFace
    llm: FakeOpenAI


def fake_values(
    redis_url: str,
    arxiv: FakeArxiv,
    hf: FakeHuggingFace,
    llm: FakeOpenAI | None,
    **overrides: Any,
) -> dict[str, Any]:
    """The settings (environment names) that point Paperboy at the fakes and the test Redis."""
    values: dict[str, Any] = {
        "REDIS_URL": redis_url,
        "PAPERBOY_ARXIV_API_URL": f"{arxiv.base_url}/api/query",
        "PAPERBOY_ARXIV_MIN_INTERVAL": 0,
        "PAPERBOY_HF_API_URL": f"{hf.base_url}/api",
        "PAPERBOY_HTTP_RETRIES": 2,
        "PAPERBOY_LLM_TIMEOUT": 5,
        "PAPERBOY_LLM_MAX_RETRIES": 0,
        "PAPERBOY_LLM_MODEL": "fake-model",
        "PAPERBOY_USER_RATE_LIMIT": 0,
    }
    if llm is not None:
        values |= {
            "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "OPENAI_BASE_URL": f"{llm.base_url}/v1",
        }
    return values | overrides


def fake_settings(
    redis_url: str,
    arxiv: FakeArxiv,
    hf: FakeHuggingFace,
    llm: FakeOpenAI | None,
    **overrides: Any,
) -> Settings:
    """Settings for the fakes, exactly as an operator would set them in the environment."""
    return load_settings(**fake_values(redis_url, arxiv, hf, llm, **overrides))


def fake_env(
    redis_url: str,
    arxiv: FakeArxiv,
    hf: FakeHuggingFace,
    llm: FakeOpenAI | None,
    **overrides: Any,
) -> dict[str, str]:
    """`fake_values` as the environment of a `paperboy` process (this one's, minus any
    Paperboy setting a developer exported)."""
    values = fake_values(redis_url, arxiv, hf, llm, **overrides)
    return {**clean_environ(), **{k: str(v) for k, v in values.items()}}


@asynccontextmanager
async def paperboy_app(
    redis_url: str, *, papers: Iterable[Paper] = (), llm: bool = True, **overrides: Any
) -> AsyncIterator[Harness]:
    """A real Paperboy against fresh fakes that know `papers` (default: Quiet-STaR)."""
    known = list(papers) or [quiet_star()]
    with ExitStack() as stack:
        arxiv = stack.enter_context(FakeArxiv(known))
        hf = stack.enter_context(FakeHuggingFace())
        fake_llm = stack.enter_context(FakeOpenAI())
        settings = fake_settings(redis_url, arxiv, hf, fake_llm if llm else None, **overrides)
        async with Paperboy.open(settings, platforms=settings.platforms) as app:
            yield Harness(app=app, settings=settings, arxiv=arxiv, hf=hf, llm=fake_llm)


async def vote(
    redis: Redis,
    votes: VoteStore,
    paper: str,
    user: str,
    value: int = 1,
    *,
    team: str = "slack:T1",
    emoji: str | None = None,
    added: bool = True,
    at: datetime | None = None,
) -> VoteChange:
    """A reaction on a message showing `paper` in `team`, through the production vote path
    (`record_reaction`): the message is mapped first, as posting it would."""
    platform = team.partition(":")[0]
    message = MessageRef(
        channel=ChannelRef(platform=platform, channel_id="C-votes"), message_id=f"m-{paper}"
    )
    await redis.set(keys.message(team, message.key), paper)
    change = await votes.record_reaction(
        team, message, user, emoji or ("👍" if value > 0 else "👎"), value, added=added, at=at
    )
    assert change is not None
    return change


async def user_vote(redis: Redis, team: str, paper: str, user: str) -> int:
    """The user's current vote on the paper in `team`, read from the ledger's layout."""
    raw = await redis.hget(keys.votes(team, paper), user)
    if not raw:
        return 0
    newest = raw.decode().split("\t")[-1]
    return 1 if newest.startswith("+") else -1


async def week_plan(
    app: Paperboy,
    week: str,
    *,
    language: Language = "en",
    limit: int = 10,
    channel: ChannelRef | None = None,
    categories: tuple[str, ...] = (),
) -> DigestPlan:
    """The plan `paperboy digest --preview --week` makes, with a few fields set by the test."""
    plan = await app.services.plan(channel, week=week)
    return replace(plan, language=language, limit=limit, categories=categories or plan.categories)


def channel_store(redis: Redis, settings: Settings | None = None) -> ChannelStore:
    """The channel store as the composition root builds it, on the given (or default) settings."""
    return ChannelStore(redis, TeamStore(redis), channel_defaults(settings or load_settings()))


async def until(condition: Callable[[], bool], within: float = 20) -> None:
    """Poll `condition` until it holds (TimeoutError after `within` seconds)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110  (a condition on another thread's fake, no event)
            await asyncio.sleep(0.05)
