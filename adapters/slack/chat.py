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

from aiohttp import ClientError, ClientSession
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import Payload, combine, to_payloads
from bot.domain import ChannelRef, MessageRef
from bot.render import RichMessage

log = logging.getLogger(__name__)
PLATFORM = "slack"
RESPONSE_URL_POSTS = 5
RATE_LIMIT_RETRIES = 5
# chat.update's answers for a message that can no longer be edited: deleted, not the bot's,
# the workspace's edit window passed, the channel gone or archived.
CANNOT_EDIT = frozenset(
    {
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "channel_not_found",
        "is_archived",
    }
)


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


def _cause(exc: Exception) -> str:
    return error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


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
        self,
        client: AsyncWebClient,
        *,
        interval: float = 1.0,
        session: ClientSession | None = None,
        identity: AsyncSlackResponse | None = None,
    ) -> None:
        self.client = client
        self.session = session
        self.identity = identity  # the token's `auth.test` answer, once asked
        self._interval = interval
        self._paces: dict[str, _Pace] = {}

    async def post(self, channel: ChannelRef, message: RichMessage) -> MessageRef:
        """Post `message` in `channel` (several posts if it exceeds Slack's limits); the first
        post's ref. Raises SlackApiError (`not_in_channel`, `channel_not_found`...)."""
        first: str | None = None
        for payload in to_payloads(message):
            ts = await self._post_message(channel.channel_id, payload)
            first = first or ts
        return MessageRef(channel=channel, message_id=first or "")

    async def reply_in_thread(self, parent: MessageRef, message: RichMessage) -> MessageRef:
        """Post `message` in the thread of `parent` (`thread_ts`, not broadcast to the channel);
        the first post's ref. Raises SlackApiError like `post`."""
        first: str | None = None
        for payload in to_payloads(message):
            ts = await self._post_message(
                parent.channel.channel_id, payload, thread_ts=parent.message_id
            )
            first = first or ts
        return MessageRef(channel=parent.channel, message_id=first or "")

    async def update(self, message: MessageRef, rich: RichMessage) -> bool:
        """Show `rich` in `message` instead (`chat.update`, Tier 3: ~50 a minute per workspace,
        so callers coalesce; 429s are waited out by the client). False, logged at INFO, when
        Slack says the message cannot be edited any more, or when `rich` no longer fits one
        message (its vote line would be in a part that `message` is not)."""
        payloads = to_payloads(rich)
        if len(payloads) != 1:
            log.info("slack: %s is several messages long; not edited", message.key)
            return False
        try:
            await self.client.chat_update(
                channel=message.channel.channel_id,
                ts=message.message_id,
                text=payloads[0]["text"],
                blocks=payloads[0]["blocks"],
            )
        except SlackApiError as exc:
            if error_code(exc) not in CANNOT_EDIT:
                raise
            log.info("slack: cannot edit %s any more (%s)", message.key, error_code(exc))
            return False
        return True

    async def permalink(self, team: str, message: MessageRef) -> str | None:
        """The message's link (`chat.getPermalink`); None, logged at INFO, if Slack has none."""
        try:
            answer = await self.client.chat_getPermalink(
                channel=message.channel.channel_id, message_ts=message.message_id
            )
        except (SlackApiError, ClientError, TimeoutError) as exc:
            log.info("slack: no permalink for %s (%s)", message.key, _cause(exc))
            return None
        link = answer.get("permalink")
        return str(link) if link else None

    async def install_team(self) -> str | None:
        """The workspace the bot token belongs to (`auth.test`'s `team_id`), asked once."""
        if self.identity is None:
            try:
                self.identity = await self.client.auth_test()
            except (SlackApiError, ClientError, TimeoutError) as exc:
                log.warning("slack: auth.test failed (%s): team unknown for now", _cause(exc))
                return None
        team_id = self.identity.get("team_id")
        return f"{PLATFORM}:{team_id}" if team_id else None

    async def team_of(self, channel: ChannelRef) -> str | None:
        """A bot token serves one workspace: every channel it sees is in the install's team."""
        return await self.install_team()

    async def _post_message(
        self, channel_id: str, payload: Payload, *, thread_ts: str | None = None
    ) -> str:
        async with self._paced(channel_id):
            response = await self.client.chat_postMessage(
                channel=channel_id,
                text=payload["text"],
                blocks=payload["blocks"] or None,
                thread_ts=thread_ts,  # slack_sdk leaves a None argument out of the request
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
        self,
        channel: ChannelRef,
        user: str,
        messages: Sequence[RichMessage],
        *,
        thread_ts: str | None = None,
    ) -> None:
        """Show `messages` to `user` only (in the thread of `thread_ts`, when given). Raises
        SlackApiError where the bot cannot post."""
        for payload in combine(messages):
            await self.client.chat_postEphemeral(
                channel=channel.channel_id,
                user=user,
                text=payload["text"],
                blocks=payload["blocks"] or None,
                thread_ts=thread_ts,
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
            response_url, session=self.session, retry_handlers=retry_handlers()
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
