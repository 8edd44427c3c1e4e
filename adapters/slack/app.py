"""The Slack adapter: a Bolt `AsyncApp` whose listeners translate Slack into core calls.

Bolt verifies signatures (401 for a forged, missing or stale one), answers `url_verification`
and `ssl_check`, matches listeners and acks; slack_sdk retries Web API calls (429s included).
The bot's identity comes from one `auth.test` at start. This module only decides *what* to do:

- `/paper <text>` is acknowledged at once (Slack's 3 s rule) and answered in a background task:
  paper messages are posted with `chat.postMessage` and mapped for votes (`Paperboy.posted`);
  where the bot cannot post (`not_in_channel`, `channel_not_found`, DMs...) the reply goes
  through the command's `response_url`. Help and user errors are ephemeral.
- `reaction_added` / `reaction_removed` on a message become votes, except the bot's own;
  they are recorded before the HTTP answer, so a failure answers 500 and Slack's retry
  (`X-Slack-Retry-Num`) redelivers it, while the core's `event_id` dedup counts it once.
- Channel messages linking papers become digest candidates (each `event_id` once).
- `@Paperboy <text>` works like `/paper <text>` in that channel.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import slack_bolt
from aiohttp import ClientError, ClientSession
from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.chat import ResponseUrlError, SlackChat, build_client, error_code
from bot import logs
from bot.app import Paperboy
from bot.commands import CommandContext, Reply, registry
from bot.errors import ConfigError
from bot.refs import find_references
from bot.render import Context, Paragraph, RichMessage
from bot.services.aio import InFlight

log = logging.getLogger(__name__)
PLATFORM = translate.PLATFORM
LOOKING_UP = "🔎 Looking that up — the summary will appear in this channel in a moment."
SORRY = "Sorry, something went wrong on Paperboy's side. Please try again in a minute."
INVITE_TIP = (
    "Paperboy is not a member of this channel, so reactions here are not counted as "
    "votes. Invite it with `/invite @Paperboy`."
)
REACTIONS = frozenset({"reaction_added", "reaction_removed"})
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
Body = Mapping[str, Any]


class _WithholdBody(logging.Filter):
    """Bolt logs a refused request's body and signature at INFO; a replayed genuine request
    carries a `response_url` and Slack's verification token, so keep only the fact."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature"):
            record.msg, record.args = "Invalid request signature detected (request refused)", ()
        return True


_WITHHOLD = _WithholdBody()


# What reading data of the wrong shape raises: a missing key (LookupError), a list or a string
# where an object belongs (TypeError, AttributeError), text that does not parse (ValueError).
SHAPE_ERRORS = (LookupError, TypeError, AttributeError, ValueError)
_BOLT_CODE = str(Path(slack_bolt.__file__).parent)


class MalformedPayload(ValueError):
    """A signed request lacking what Paperboy reads from it: answered 400 (Slack does not retry
    a 4xx), logged as one WARNING line, never a traceback."""


@contextmanager
def reading_payload() -> Iterator[None]:
    """Errors raised while reading a payload's fields mean the payload is malformed; everything
    after this block is Paperboy's own."""
    try:
        yield
    except SHAPE_ERRORS as exc:
        raise MalformedPayload(type(exc).__name__) from exc


def is_malformed(error: Exception) -> bool:
    """A payload that Paperboy (`reading_payload`) or Bolt's own matching could not read: Bolt
    indexes the envelope as Slack shapes it (`body["event"]["type"]`) and fails with a plain
    TypeError on, say, an `event` that is a string. Anything else is a failure of ours."""
    if isinstance(error, MalformedPayload):
        return True
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    raised_in_bolt = tb is not None and tb.tb_frame.f_code.co_filename.startswith(_BOLT_CODE)
    return isinstance(error, SHAPE_ERRORS) and raised_in_bolt


class SlackAdapter:
    """Everything Slack-side for one Paperboy; build it with `SlackAdapter.open(...)`.

    `identity` is the bot's `auth.test` answer, asked once at start. Bolt gets it through its
    `authorize` hook: its single-token mode would call `auth.test` lazily, once per request
    until the first answer arrives (200 at once in a cold burst of commands).
    """

    def __init__(
        self,
        paperboy: Paperboy,
        client: AsyncWebClient,
        *,
        identity: AuthorizeResult,
        signing_secret: str | None,
        session: ClientSession | None = None,
        interval: float = 1.0,
    ) -> None:
        self.paperboy = paperboy
        self.identity = identity
        self.own_user_ids = frozenset(u for u in (identity.bot_user_id,) if u)
        self.chat = SlackChat(client, interval=interval, session=session)
        # Without a secret (Socket Mode, where Bolt skips the check) a random one still makes
        # every HTTP request fail verification: never serve unsigned requests.
        self.bolt = AsyncApp(
            client=tokenless(client),
            authorize=FixedIdentity(identity),
            signing_secret=signing_secret or secrets.token_hex(32),
            process_before_response=True,
            name="paperboy",
            # Bolt's self-event middleware only drops events by the bot itself, and every
            # listener here already does (`_by_bot`, and `message_posted` drops all bots):
            # skip the second check on every event.
            ignoring_self_events_enabled=False,
            # Paperboy uses neither custom workflow steps nor the AI-assistant container: skip
            # the middleware Bolt would run for them on every event.
            attaching_function_token_enabled=False,
            attaching_conversation_kwargs_enabled=False,
        )
        logging.getLogger("slack_bolt.RequestVerification").addFilter(_WITHHOLD)
        self.in_flight = InFlight()
        self._register()

    @classmethod
    @asynccontextmanager
    async def open(
        cls, paperboy: Paperboy, *, http: bool = True, interval: float = 1.0
    ) -> AsyncIterator[SlackAdapter]:
        """The adapter with its HTTP session, once Slack has accepted the bot token; on exit,
        replies in flight finish (or are cut off after 30 s) and the session closes.
        Raises ConfigError for a missing or refused token, or (HTTP) a missing signing secret.
        """
        settings = paperboy.settings
        token = settings.slack_bot_token
        if token is None:
            raise ConfigError("SLACK_BOT_TOKEN: set it to the app's Bot User OAuth Token (xoxb-…)")
        secret = settings.slack_signing_secret
        if http and secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET: required to verify Slack's HTTP requests")
        async with ClientSession() as session:
            client = build_client(token, settings.slack_api_url, session)
            adapter = cls(
                paperboy,
                client,
                identity=await who_am_i(client),
                session=session,
                interval=interval,
                signing_secret=secret.get_secret_value() if secret else None,
            )
            try:
                yield adapter
            finally:
                await adapter.drain(grace=30.0)

    # -- background work -----------------------------------------------------------------------
    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the ack; tracked so that `drain()` can wait for it."""
        self.in_flight.spawn(work)

    async def drain(self, grace: float | None = None) -> None:
        """Wait for every reply in flight (new ones included); cancel those past `grace` s."""
        await self.in_flight.drain(grace)

    # -- listeners -----------------------------------------------------------------------------
    def _register(self) -> None:
        """Reactions in a global middleware (see `ReactionVotes`); the rest as listeners, which
        Bolt tries in this order."""
        self.bolt.use(ReactionVotes(self))
        self.bolt.error(self._on_error)
        self.quiet = logs.QuietLog(log)  # an outage fails every request alike: one line each
        self.bolt.event("message")(self._on_message)
        self.bolt.command("/paper")(self._on_paper)
        self.bolt.event("app_mention")(self._on_mention)

    async def _on_paper(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        with reading_payload():
            ctx = translate.command_context(body, is_admin=False)
            text = str(body.get("text") or "")
        if not await self._first_delivery(body):
            await ack()  # a replay, or Slack delivering it again: it runs once
            return
        await ack(LOOKING_UP if is_lookup(text) else "")
        self.spawn(self.answer(ctx, text, response_url=body.get("response_url")))

    async def _first_delivery(self, command: Body) -> bool:
        """True the first time this exact command payload arrives. Slack makes each one unique
        (`trigger_id`, `response_url`), so the same payload again is a replay inside the
        signature window or a redelivery; remembered longer than that window. Without Redis
        the command runs (and meets the outage itself) rather than being dropped."""
        canonical = json.dumps(command, sort_keys=True, default=str).encode()
        digest = hashlib.sha256(canonical).hexdigest()
        try:
            return await self.paperboy.guards.first_time(PLATFORM, f"command:{digest}")
        except RedisError as exc:
            self.quiet.warning("could not check /paper for a replay (%s): running it", _why(exc))
            return True

    async def _on_error(self, error: Exception) -> BoltResponse | None:
        """Bolt's error hook: a malformed payload is answered 400; anything else 500 (Slack
        retries, and `event_id` dedup counts a retried vote once) with its traceback, both
        throttled so that an outage or a flood logs one line per interval."""
        if is_malformed(error):
            self.quiet.warning(
                "refused a signed Slack request with a malformed payload (400): %s",
                error if isinstance(error, MalformedPayload) else type(error).__name__,
            )
            return BoltResponse(status=400, body="malformed payload")
        self.quiet.error("a Slack request failed (500, Slack retries it)", exc_info=error)
        return None

    async def on_reaction(self, body: Body) -> None:
        """A `reaction_added` / `reaction_removed` event_callback as a vote (not the bot's)."""
        with reading_payload():
            event = translate.reaction_changed(body)
            if event is None or self._by_bot(event.user, body):
                return
        await self.paperboy.reaction(event, platform=PLATFORM)

    async def _on_message(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = translate.message_posted(body)
        if event is None or self._by_bot(event.user, body):
            return
        if find_references(event.text) and await self._first_time(body):
            await self.paperboy.message(event)

    async def _on_mention(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel or event.get("bot_id") or self._by_bot(str(user), body):
            return
        if not await self._first_time(body):
            return
        ctx = CommandContext(platform=PLATFORM, user=str(user), channel=translate.channel(channel))
        self.spawn(self.answer(ctx, translate.mention_text(event), response_url=None))

    def _by_bot(self, user: str, body: Body) -> bool:
        """The bot itself: its `auth.test` user, or a bot user the envelope authorizes."""
        return translate.by_bot(user, body, self.own_user_ids)

    async def _first_time(self, body: Body) -> bool:
        event_id = body.get("event_id")
        return not event_id or await self.paperboy.guards.first_time(PLATFORM, str(event_id))

    # -- answering a command -------------------------------------------------------------------
    async def answer(self, ctx: CommandContext, text: str, *, response_url: str | None) -> None:
        """Run `/paper <text>` through the core and deliver the reply; never raises."""
        try:
            if needs_admin(text):
                ctx = CommandContext(
                    platform=ctx.platform,
                    user=ctx.user,
                    channel=ctx.channel,
                    is_admin=await self.is_admin(ctx.user),
                )
            reply = await self.paperboy.command(ctx, text)
        except Exception:
            log.exception("/paper failed in %s", ctx.channel.key)
            reply = Reply.error(SORRY)
        try:
            await self.deliver(ctx, reply, response_url)
        except (SlackApiError, ResponseUrlError, ClientError, TimeoutError) as exc:
            log.warning("could not deliver a /paper reply in %s: %s", ctx.channel.key, _why(exc))
        except Exception:
            log.exception("delivering a /paper reply in %s failed", ctx.channel.key)

    async def is_admin(self, user: str) -> bool:
        """Workspace admins and owners (`users.info`), or a user listed in PAPERBOY_ADMINS."""
        admins = self.paperboy.settings.admin_ids
        if user in admins or f"{PLATFORM}:{user}" in admins:
            return True
        try:
            info = await self.chat.client.users_info(user=user)
        except SlackApiError as exc:
            log.warning("users.info failed (%s): treating %s as a member", error_code(exc), user)
            return False
        profile = info.get("user") or {}
        return any(profile.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner"))

    async def deliver(self, ctx: CommandContext, reply: Reply, response_url: str | None) -> None:
        """Ephemeral replies to the user only; the rest posted in the channel and mapped."""
        messages = reply.messages or _as_messages(reply.text)
        if not messages:
            return
        if reply.ephemeral or not reply.ok:
            await self._whisper(ctx, messages, response_url)
        else:
            await self._publish(ctx, messages, response_url)

    async def _whisper(
        self, ctx: CommandContext, messages: Sequence[RichMessage], response_url: str | None
    ) -> None:
        try:
            await self.chat.post_ephemeral(ctx.channel, ctx.user, messages)
        except SlackApiError as exc:
            if response_url is None:
                raise
            log.info(
                "chat.postEphemeral in %s: %s; using response_url", ctx.channel.key, error_code(exc)
            )
            await self.chat.respond(response_url, messages, ephemeral=True)

    async def _publish(
        self, ctx: CommandContext, messages: Sequence[RichMessage], response_url: str | None
    ) -> None:
        for index, message in enumerate(messages):
            try:
                ref = await self.chat.post(ctx.channel, message)
            except SlackApiError as exc:
                if response_url is None:
                    raise
                log.info(
                    "chat.postMessage in %s: %s; using response_url",
                    ctx.channel.key,
                    error_code(exc),
                )
                rest = list(messages[index:])
                if error_code(exc) in NOT_A_MEMBER:
                    rest.append(RichMessage((Context(INVITE_TIP),), INVITE_TIP))
                await self.chat.respond(response_url, rest, ephemeral=False)
                return
            await self.paperboy.posted(ref, message)


class ReactionVotes(AsyncMiddleware):
    """Reaction events, by far the bulk of what Slack sends Paperboy, handled in a Bolt global
    middleware the way Bolt's own `AsyncAssistant` handles its events: after Bolt's signature
    check and authorization (built-in middleware runs first), acked with Bolt's `ack()` once the
    vote is recorded, any other request passed on to the listeners. A listener would cost Bolt's
    matching and keyword-argument injection (twice per event), a quarter of the server's CPU
    per reaction under load (docs/benchmarks.md). An error propagates: Bolt answers 500, Slack
    retries, and the core's `event_id` dedup counts the event once."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        event = body.get("event") if body.get("type") == "event_callback" else None
        if not isinstance(event, dict) or event.get("type") not in REACTIONS:
            return await next()
        await self.adapter.on_reaction(body)
        return await req.context.ack()


class FixedIdentity(AsyncAuthorize):
    """Bolt's `authorize` hook answering every request with the identity `auth.test` gave at
    start. An `AsyncAuthorize` rather than a plain function: Bolt calls it as is, where it would
    wrap a function and map its parameters by name on every request."""

    def __init__(self, identity: AuthorizeResult) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.identity = identity

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        return self.identity


async def who_am_i(client: AsyncWebClient) -> AuthorizeResult:
    """The bot's identity from `auth.test`; ConfigError (without the token) if Slack refuses."""
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(f"SLACK_BOT_TOKEN: Slack refused it ({error_code(exc)})") from None
    return AuthorizeResult.from_auth_test_response(
        auth_test_response=answer, bot_token=client.token
    )


def tokenless(client: AsyncWebClient) -> AsyncWebClient:
    """A copy of `client` without its token, for Bolt: Bolt only takes `authorize` from apps
    whose client has no token, and sets the token per request from the authorize result."""
    return AsyncWebClient(
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=client.retry_handlers,
    )


def is_lookup(text: str) -> bool:
    """True when `/paper <text>` looks a paper up (LLM work) rather than running a sub-command."""
    word = text.strip().partition(" ")[0].lower()
    return bool(word) and registry.get(word) is None


def needs_admin(text: str) -> bool:
    spec = registry.get(text.strip().partition(" ")[0].lower())
    return spec is not None and spec.admin_only


def _as_messages(text: str | None) -> tuple[RichMessage, ...]:
    return (RichMessage((Paragraph(text),), text),) if text else ()


def _why(exc: Exception) -> str:
    return error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
