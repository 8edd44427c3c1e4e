"""The floor of `paperboy leaderboard --all --json` on Paperboy's fixed stack, for bench.cli_bench.

A minimal command line built from the same libraries as Paperboy's (typer, pydantic-settings,
redis-py's asyncio client) doing the same query: parse the same five options, load one setting,
read the team's all-time leaderboard and its tallies (two commands), print JSON. It imports
nothing of Paperboy's, so the difference between the two is what Paperboy adds.

Usage: python bench/cli_floor.py leaderboard --all --json   (BENCH_TEAM_PREFIX: the team's keys)
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from pydantic import Field
from pydantic_settings import BaseSettings
from redis.asyncio import Redis

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


class FloorSettings(BaseSettings):
    redis_url: str = Field(validation_alias="REDIS_URL")
    team_prefix: str = Field(validation_alias="BENCH_TEAM_PREFIX")


@app.command()
def leaderboard(
    team: Annotated[str | None, typer.Option()] = None,
    week: Annotated[str | None, typer.Option()] = None,
    all_time: Annotated[bool, typer.Option("--all")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    settings = FloorSettings()  # type: ignore[call-arg]  # read from the environment
    print(json.dumps(asyncio.run(_rows(settings, limit)), indent=2))


@app.command()
def version() -> None:
    """A second command, so typer builds a group as it does for Paperboy."""


async def _rows(settings: FloorSettings, limit: int) -> list[dict[str, object]]:
    redis = Redis.from_url(settings.redis_url)
    try:
        board = f"{settings.team_prefix}lb:all"
        ranked = await redis.zrevrangebyscore(board, "+inf", 1, withscores=True, start=0, num=limit)
        ids = [member.decode() for member, _ in ranked]
        sides = [f"{i}:{side}" for i in ids for side in ("u", "d")]
        counts = await redis.hmget(f"{settings.team_prefix}tally", sides) if ids else []
    finally:
        await redis.aclose()
    return [
        {"id": i, "up": int(counts[2 * n] or 0), "down": int(counts[2 * n + 1] or 0)}
        for n, i in enumerate(ids)
    ]


if __name__ == "__main__":
    app()
