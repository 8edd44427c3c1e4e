"""`paperboy run` as a small install runs it: one real process with the Slack adapter (Socket
Mode, to the loopback Slack), the Discord adapter (the loopback Discord's gateway) and the
scheduler, posting each channel's due digest; /healthz names every part; SIGTERM stops it."""

from __future__ import annotations

import asyncio
import json
import signal
import socket

import aiohttp
import pytest

from bot.domain import ChannelRef
from bot.i18n import t
from bot.render import DIGEST_TITLE
from tests.fakes.discord import CHANNEL_ID, TOKEN, FakeDiscord
from tests.fakes.slack import APP_TOKEN, FakeSlack
from tests.resilience.conftest import Deployment, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def health(port: int) -> dict[str, object] | None:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as answer,
        ):
            return dict(await answer.json()) | {"status": answer.status}
    except aiohttp.ClientError:
        return None


async def test_run_serves_both_adapters_and_posts_due_digests(deployment: Deployment) -> None:
    slack_channel = ChannelRef(platform="slack", channel_id="C00001")
    discord_channel = ChannelRef(platform="discord", channel_id=CHANNEL_ID)
    await deployment.seed([slack_channel, discord_channel], language="en")
    port = free_port()
    with FakeDiscord() as discord:
        proc = deployment.start(
            "run",
            SLACK_APP_TOKEN=APP_TOKEN,
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_URL=discord.api_url,
            PAPERBOY_HEALTH_PORT=port,
        )
        slack: FakeSlack = deployment.slack
        await until(lambda: len(slack.posted) == 4, deployment, what="the Slack digest")
        await until(lambda: len(discord.sent()) >= 4, deployment, what="the Discord digest")
        seen: dict[str, object] = {}
        for _ in range(100):
            seen = await health(port) or {}
            if seen.get("discord") == "connected":
                break
            await asyncio.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)

    assert seen["status"] == 200, seen
    assert seen["slack"] == "running (Socket Mode)"
    assert seen["redis"] == "ok"
    assert str(seen["worker"]).startswith("running; posts to slack, discord")
    assert slack.calls("apps.connections.open")  # the Socket Mode connection was opened
    assert discord.identified  # and the gateway session
    title = t(DIGEST_TITLE, "en", week="Mar 11\u2009–\u200917, 2024")  # the covered days
    assert title in json.dumps(slack.posted[0]["blocks"], ensure_ascii=False)
    assert title in json.dumps(discord.sent()[0], ensure_ascii=False)
    assert code == 0, deployment.output()
    assert "Traceback" not in deployment.output()
