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

import contextlib
import dataclasses
import hashlib
import json
import logging
import secrets
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Mapping,
    Sequence,
)
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from types import TracebackType
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
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import translate
from adapters.slack.chat import ResponseUrlError, SlackChat, build_client, error_code
from bot import logs
from bot.app import Paperboy
from bot.commands import CommandContext, Reply, registry
from bot.domain import Language, MessageRef, ReactionChanged
from bot.errors import ConfigError
from bot.i18n import N_, REDIS_DOWN, language_of, t
from bot.refs import find_references
from bot.render import Context, Paragraph, RichMessage
from bot.services.aio import InFlight
from bot.services.threads import Thread, ThreadQuestion

log = logging.getLogger(__name__)
PLATFORM = translate.PLATFORM
LOOKING_UP = N_("🔎 Looking that up — the summary will appear in this channel in a moment.")
SORRY = N_("Sorry, something went wrong on Paperboy's side. Please try again in a minute.")
INVITE_TIP = N_(
    "Paperboy is not a member of this channel, so reactions here are not counted as "
    "votes. Invite it with `/invite @Paperboy`."
)
REACTIONS = frozenset({"reaction_added", "reaction_removed"})
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
UNDELIVERABLE = (SlackApiError, ResponseUrlError, ClientError, TimeoutError)
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


class _ReadingPayload:
    """`with reading_payload():` errors raised while reading a payload's fields mean the payload
    is malformed; everything after the block is Paperboy's own. A class, not a
    `@contextmanager` generator: every reaction enters it, and this costs a seventh as much."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, SHAPE_ERRORS):
            raise MalformedPayload(type(exc).__name__) from exc


_READING_PAYLOAD = _ReadingPayload()


def reading_payload() -> _ReadingPayload:
    """Errors raised while reading a payload's fields mean the payload is malformed; everything
    after this block is Paperboy's own."""
    return _READING_PAYLOAD


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
        async with AsyncExitStack() as stack:
            shared = paperboy.chats.get(PLATFORM)  # the app's Web API client, when it has one
            known = None  # the shared client's auth.test answer: asked once per process
            if isinstance(shared, SlackChat) and shared.session is not None:
                session, client, known = shared.session, shared.client, shared.identity
            else:
                session = await stack.enter_async_context(ClientSession())
                client = build_client(token, settings.slack_api_url, session)
            adapter = cls(
                paperboy,
                client,
                identity=await who_am_i(client, known),
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
        if is_lookup(text):
            await ack(t(LOOKING_UP, await self._quick_language(ctx)))
        else:
            await ack()
        self.spawn(self.answer(ctx, text, response_url=body.get("response_url")))

    async def _quick_language(self, ctx: CommandContext) -> Language:
        """The asking user's language without a Web API call (the ack has 3 s): their cached
        locale, else the channel's; the install's default when Redis cannot say."""
        try:
            cached = language_of(await self.paperboy.locales.get(ctx.user_key))
            return cached or await self.paperboy.language_for(ctx)
        except RedisError:
            return self.paperboy.settings.language

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
        if translate.in_thread(body):  # a thread reply: maybe a question, never a shared paper
            await self._on_thread_reply(body, mentioned=False)
            return
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
        if translate.in_thread(body) and await self._on_thread_reply(body, mentioned=True):
            return
        if not await self._first_time(body):
            return
        ctx = CommandContext(
            platform=PLATFORM,
            user=str(user),
            channel=translate.channel(channel),
            team=translate.team(body, str(channel), str(user)),
        )
        self.spawn(self.answer(ctx, translate.mention_text(event), response_url=None))

    # -- ask the paper: questions in a paper's thread, flags that translate --------------------
    async def _on_thread_reply(self, body: Body, *, mentioned: bool) -> bool:
        """A reply in a thread; True when it is a question Paperboy answers there. A reply
        naming Paperboy arrives twice (`message` and `app_mention`): it is answered once."""
        with reading_payload():
            question = translate.thread_question(
                body, self.identity.bot_user_id, mentioned=mentioned
            )
        if question is None or self._by_bot(question.user, body):
            return False
        thread = await self.paperboy.thread_of(question)
        if thread is None:
            return False
        event = body["event"]
        asked = f"question:{event['channel']}:{event['ts']}"
        if await self.paperboy.guards.first_time(PLATFORM, asked):
            self.spawn(self.answer_in_thread(question, thread))
        return True

    async def answer_in_thread(self, question: ThreadQuestion, thread: Thread) -> None:
        """Answer `question` in its thread (the core never raises); never raises."""
        reply = await self.paperboy.ask(question, thread)
        await self._reply_in_thread(question.parent, question.user, reply)

    async def on_flag(self, body: Body) -> None:
        """A flag reaction on a paper message: its summary in that language, in its thread."""
        with reading_payload():
            event = translate.reaction_changed(body)
            if event is None or not event.added or self._by_bot(event.user, body):
                return
        language = self.paperboy.flag_language(event.emoji)
        if language is not None:
            self.spawn(self.translate_in_thread(event, language))

    async def translate_in_thread(self, event: ReactionChanged, language: Language) -> None:
        reply = await self.paperboy.translate(
            event.team, event.message, language, f"{PLATFORM}:{event.user}"
        )
        if reply is not None:
            await self._reply_in_thread(event.message, event.user, reply)

    async def _reply_in_thread(self, parent: MessageRef, user: str, reply: Reply) -> None:
        """Post `reply` in the thread of `parent`; an error only to `user`. Never raises."""
        messages = reply.messages or _as_messages(reply.text)
        try:
            if not reply.ok:
                await self.chat.post_ephemeral(
                    parent.channel, user, messages, thread_ts=parent.message_id
                )
                return
            for message in messages:
                await self.chat.reply_in_thread(parent, message)
        except (SlackApiError, ClientError, TimeoutError) as exc:
            log.warning("could not reply in a thread in %s: %s", parent.channel.key, _why(exc))
        except Exception:
            log.exception("replying in a thread in %s failed", parent.channel.key)

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
            ctx = await self._with_user(ctx, admin=needs_admin(text))
            reply = await self.paperboy.command(ctx, text)
        except RedisError as exc:
            reply = self._database_down(ctx, exc)
        except Exception:
            log.exception("/paper failed in %s", ctx.channel.key)
            reply = Reply.error(t(SORRY, await self._safe_language(ctx)))
        try:
            await self.deliver(ctx, reply, response_url)
        except RedisError as exc:  # posted, but not remembered: reactions on it cannot count
            with contextlib.suppress(*UNDELIVERABLE):
                await self.deliver(ctx, self._database_down(ctx, exc), response_url)
        except UNDELIVERABLE as exc:
            log.warning("could not deliver a /paper reply in %s: %s", ctx.channel.key, _why(exc))
        except Exception:
            log.exception("delivering a /paper reply in %s failed", ctx.channel.key)

    def _database_down(self, ctx: CommandContext, exc: RedisError) -> Reply:
        """Redis failed: tell the user so, in the command's language or else the install's
        (the channel's own is stored in Redis). One log line per interval, however many."""
        self.quiet.warning("/paper in %s: Redis failed (%s)", ctx.channel.key, _why(exc))
        return Reply.error(t(REDIS_DOWN, ctx.language or self.paperboy.settings.language))

    async def _with_user(self, ctx: CommandContext, *, admin: bool) -> CommandContext:
        """`ctx` with the user's own locale and, for an admin command, their rights: one
        `users.info` answers both, asked when the rights are needed or the locale is not cached
        (the rights never are: an admin removed loses them at once)."""
        cached = await self.paperboy.locales.get(ctx.user_key)
        if cached is not None and not (admin and not self._listed_admin(ctx.user)):
            return dataclasses.replace(ctx, locale=language_of(cached), is_admin=admin)
        profile = await self.user_profile(ctx.user)
        if profile is not None:
            await self.paperboy.locales.put(ctx.user_key, str(profile.get("locale") or ""))
        locale = profile.get("locale") if profile else cached
        rights = admin and (self._listed_admin(ctx.user) or is_workspace_admin(profile))
        return dataclasses.replace(ctx, locale=language_of(locale), is_admin=rights)

    def _listed_admin(self, user: str) -> bool:
        admins = self.paperboy.settings.admin_ids
        return user in admins or f"{PLATFORM}:{user}" in admins

    async def user_profile(self, user: str) -> Mapping[str, Any] | None:
        """The user's `users.info` object with their `locale` (None when Slack refuses)."""
        try:
            info = await self.chat.client.users_info(user=user, include_locale=True)
        except SlackApiError as exc:
            log.warning("users.info failed (%s): treating %s as a member", error_code(exc), user)
            return None
        profile = info.get("user")
        return profile if isinstance(profile, Mapping) else None

    async def is_admin(self, user: str) -> bool:
        """Workspace admins and owners (`users.info`), or a user listed in PAPERBOY_ADMINS."""
        return self._listed_admin(user) or is_workspace_admin(await self.user_profile(user))

    async def _safe_language(self, ctx: CommandContext) -> Language:
        """The user's language for an apology: whatever is known without failing again."""
        try:
            return ctx.locale or await self.paperboy.language_for(ctx)
        except Exception:  # the apology must go out whatever broke
            return self.paperboy.settings.language

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
                    tip = t(INVITE_TIP, await self._safe_language(ctx))
                    rest.append(RichMessage((Context(tip),), tip))
                await self.chat.respond(response_url, rest, ephemeral=False)
                return
            await self.paperboy.posted(ctx.team, ref, message)


class ReactionVotes(AsyncMiddleware):
    """Reaction events, by far the bulk of what Slack sends Paperboy, handled in a Bolt global
    middleware the way Bolt's own `AsyncAssistant` handles its events: after Bolt's signature
    check and authorization (built-in middleware runs first), acked with Bolt's `ack()` once the
    vote is recorded, any other request passed on to the listeners. A listener would cost Bolt's
    matching and keyword-argument injection (twice per event), a large share of the server's
    CPU per reaction (docs/benchmarks.md). An error propagates: Bolt answers 500, Slack
    retries, and the core's `event_id` dedup counts the event once.

    `handle` is the one place a reaction is decided: this middleware (Socket Mode, and any
    request dispatched into Bolt) and the HTTP entry's fast path (`runner.events_handler`) both
    call it, so a check added there holds on every path."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    async def handle(self, body: Body) -> bool:
        """Handle `body` when it is a reaction event_callback (True), else leave it (False)."""
        event = body.get("event") if body.get("type") == "event_callback" else None
        if not isinstance(event, dict) or event.get("type") not in REACTIONS:
            return False
        # Flags translate rather than vote: one cached dict lookup on the folded emoji.
        if self.adapter.paperboy.flag_language(str(event.get("reaction") or "")) is not None:
            await self.adapter.on_flag(body)
            return True
        await self.adapter.on_reaction(body)
        return True

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        if await self.handle(req.body):
            return await req.context.ack()
        return await next()


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


async def who_am_i(
    client: AsyncWebClient, known: AsyncSlackResponse | None = None
) -> AuthorizeResult:
    """The bot's identity from `auth.test` (`known`: its answer, already asked); ConfigError
    (without the token) if Slack refuses."""
    try:
        answer = known if known is not None else await client.auth_test()
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


def is_workspace_admin(profile: Mapping[str, Any] | None) -> bool:
    """A workspace admin or owner, by their `users.info` object."""
    flags = ("is_admin", "is_owner", "is_primary_owner")
    return profile is not None and any(profile.get(flag) for flag in flags)


def needs_admin(text: str) -> bool:
    spec = registry.get(text.strip().partition(" ")[0].lower())
    return spec is not None and spec.admin_only


def _as_messages(text: str | None) -> tuple[RichMessage, ...]:
    return (RichMessage((Paragraph(text),), text),) if text else ()


def _why(exc: Exception) -> str:
    return error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
