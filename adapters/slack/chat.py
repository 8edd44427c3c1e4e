"""The Slack `ChatPort`: posting RichMessages through slack_sdk's AsyncWebClient.

Web API 429s are retried by slack_sdk's own `AsyncRateLimitErrorRetryHandler`, which waits for
`Retry-After`; on top of that posts are paced to about one per second per channel (Slack's
documented `chat.postMessage` rate), so a digest of eleven messages does not trip the limit in
the first place. Links never unfurl. Ephemeral replies and the `response_url` fallback pack
several messages into as few posts as fit (a `response_url` accepts five within 30 minutes).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import ClientSession
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import Payload, combine, to_payloads
from bot.domain import ChannelRef, MessageRef
from bot.render import RichMessage

log = logging.getLogger(__name__)
PLATFORM = "slack"
RESPONSE_URL_POSTS = 5
RATE_LIMIT_RETRIES = 5


class ResponseUrlError(Exception):
    """A `response_url` refused the reply (expired, used up, or not a Slack URL)."""


def retry_handlers() -> list[AsyncRetryHandler]:
    """slack_sdk's handlers: reconnect once, and wait out 429s (`Retry-After`) a few times."""
    return [
        AsyncConnectionErrorRetryHandler(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def build_client(token: SecretStr, base_url: str, session: ClientSession | None) -> AsyncWebClient:
    """The bot's Web API client; `base_url` needs its trailing slash (`SLACK_API_URL`)."""
    return AsyncWebClient(
        token=token.get_secret_value(),
        base_url=base_url.rstrip("/") + "/",
        session=session,
        retry_handlers=retry_handlers(),
        timeout=30,
    )


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`...): safe to log, it never carries the token."""
    return str(exc.response.get("error") or f"http_{exc.response.status_code}")


@dataclass
class _Pace:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = -math.inf


class SlackChat:
    """Posts into Slack channels: `post` (the ChatPort), `post_ephemeral`, `respond`."""

    platform = PLATFORM

    def __init__(
        self, client: AsyncWebClient, *, interval: float = 1.0, session: ClientSession | None = None
    ) -> None:
        self.client = client
        self._interval = interval
        self._session = session
        self._paces: dict[str, _Pace] = {}

    async def post(self, channel: ChannelRef, message: RichMessage) -> MessageRef:
        """Post `message` in `channel` (several posts if it exceeds Slack's limits); the first
        post's ref. Raises SlackApiError (`not_in_channel`, `channel_not_found`...)."""
        first: str | None = None
        for payload in to_payloads(message):
            ts = await self._post_message(channel.channel_id, payload)
            first = first or ts
        return MessageRef(channel=channel, message_id=first or "")

    async def _post_message(self, channel_id: str, payload: Payload) -> str:
        async with self._paced(channel_id):
            response = await self.client.chat_postMessage(
                channel=channel_id,
                text=payload["text"],
                blocks=payload["blocks"] or None,
                unfurl_links=False,
                unfurl_media=False,
            )
        return str(response["ts"])

    @asynccontextmanager
    async def _paced(self, channel_id: str) -> AsyncIterator[None]:
        """One post at a time per channel, at least `interval` seconds apart."""
        pace = self._paces.setdefault(channel_id, _Pace())
        loop = asyncio.get_running_loop()
        async with pace.lock:
            wait = pace.last + self._interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                pace.last = loop.time()

    async def post_ephemeral(
        self, channel: ChannelRef, user: str, messages: Sequence[RichMessage]
    ) -> None:
        """Show `messages` to `user` only. Raises SlackApiError where the bot cannot post."""
        for payload in combine(messages):
            await self.client.chat_postEphemeral(
                channel=channel.channel_id,
                user=user,
                text=payload["text"],
                blocks=payload["blocks"] or None,
            )

    async def respond(
        self, response_url: str, messages: Sequence[RichMessage], *, ephemeral: bool
    ) -> None:
        """Answer through a slash command's `response_url` (works where the bot is not a
        member). At most five posts: more content than fits is cut, and logged."""
        payloads = combine(messages)
        if len(payloads) > RESPONSE_URL_POSTS:
            log.warning(
                "reply needs %d posts; response_url takes %d", len(payloads), RESPONSE_URL_POSTS
            )
        webhook = AsyncWebhookClient(
            response_url, session=self._session, retry_handlers=retry_handlers()
        )
        for payload in payloads[:RESPONSE_URL_POSTS]:
            answer = await webhook.send(
                text=payload["text"],
                blocks=payload["blocks"] or None,
                unfurl_links=False,
                response_type="ephemeral" if ephemeral else "in_channel",
                unfurl_media=False,
            )
            if answer.status_code != 200:
                raise ResponseUrlError(f"response_url answered {answer.status_code}")
