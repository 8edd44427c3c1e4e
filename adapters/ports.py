"""The ChatPort of every configured platform, without serving it: for workers and the CLI.

Posting a digest needs only each platform's REST API, not its event connection: Slack's Web API
with the bot token (`SlackChat`), Discord's REST API after `login()` (`DiscordChat` over a
`discord.Client` that never opens the gateway). So any number of worker processes can post
while one `paperboy run` process holds the Socket Mode / gateway connections.

Each platform's SDK is imported only when that platform is configured; the core imports this
module lazily too, so `bot/` never loads a chat SDK at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager

from bot.config import Settings
from bot.errors import ConfigError
from bot.ports import ChatPort

log = logging.getLogger(__name__)
PLATFORMS = ("slack", "discord")


def configured(settings: Settings) -> list[str]:
    """Platforms whose token is set (SLACK_BOT_TOKEN, DISCORD_TOKEN)."""
    return settings.platforms


@asynccontextmanager
async def open_chat_ports(
    settings: Settings, platforms: Collection[str] | None = None
) -> AsyncIterator[dict[str, ChatPort]]:  # one instance per process: bot.app opens it
    """{platform: ChatPort} for the configured platforms (only `platforms` when given).

    A token the platform refuses raises ConfigError naming the variable; a platform that cannot
    be reached right now is logged and kept (its posts fail and are retried later).
    """
    wanted = [p for p in configured(settings) if platforms is None or p in platforms]
    async with AsyncExitStack() as stack:
        ports: dict[str, ChatPort] = {}
        if "slack" in wanted:
            ports["slack"] = await stack.enter_async_context(_slack(settings))
        if "discord" in wanted:
            ports["discord"] = await stack.enter_async_context(_discord(settings))
        yield ports


@asynccontextmanager
async def _slack(settings: Settings) -> AsyncIterator[ChatPort]:
    from aiohttp import ClientError, ClientSession  # noqa: PLC0415
    from slack_sdk.errors import SlackApiError  # noqa: PLC0415

    from adapters.slack.chat import SlackChat, build_client, error_code  # noqa: PLC0415

    assert settings.slack_bot_token is not None
    async with ClientSession() as session:
        client = build_client(settings.slack_bot_token, settings.slack_api_url, session)
        identity = None
        try:
            identity = await client.auth_test()
        except SlackApiError as exc:
            if error_code(exc) in ("invalid_auth", "not_authed", "account_inactive"):
                raise ConfigError(
                    f"SLACK_BOT_TOKEN: Slack refused it ({error_code(exc)})"
                ) from None
            log.warning("slack: auth.test failed (%s); posting will be retried", error_code(exc))
        except (ClientError, TimeoutError) as exc:
            log.warning("slack: unreachable (%s); posting will be retried", type(exc).__name__)
        yield SlackChat(
            client, interval=settings.slack_post_interval, session=session, identity=identity
        )


@asynccontextmanager
async def _discord(settings: Settings) -> AsyncIterator[ChatPort]:
    import discord  # noqa: PLC0415

    from adapters.discord.chat import DiscordChat  # noqa: PLC0415
    from adapters.discord.runner import discord_api  # noqa: PLC0415

    assert settings.discord_token is not None
    with discord_api(settings.discord_api_url):
        client = discord.Client(intents=discord.Intents(guilds=True))  # REST only
        async with client:
            try:
                await client.login(settings.discord_token.get_secret_value())
            except discord.LoginFailure:
                raise ConfigError("DISCORD_TOKEN: Discord refused it (401)") from None
            yield DiscordChat(client, guild_id=settings.discord_guild_id)
