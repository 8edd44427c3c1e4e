"""The composition root: one `async with Paperboy.open(settings)` owns every long-lived part.

Redis, the HTTP and LLM clients, the vote ledger, the channel and team stores, the poster, the
scheduler and its clock, the command services and the chat ports are built here once. Adapters,
the CLI and the workers all go through this object; nothing else builds them, nothing reads the
environment but `bot.config`, and this is the one module of `bot/` that reaches into
`adapters/` (lazily, so a command that needs no platform loads no platform SDK).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from redis.asyncio import Redis

from bot import metrics
from bot.commands import CommandContext, Reply, Services, dispatch, language_for, registry
from bot.config import Settings
from bot.domain import (
    ChannelRef,
    Language,
    MessagePosted,
    MessageRef,
    Paper,
    ReactionChanged,
    Summary,
    VoteChange,
)
from bot.emoji import VoteEmoji, canonical
from bot.errors import ConfigError
from bot.ports import ChatPort, PaperSource, Summarizer, TrendingSource
from bot.refs import find_references
from bot.render import RichMessage
from bot.services.arxiv import ArxivClient
from bot.services.digest import DigestService
from bot.services.guards import Guards
from bot.services.hf import HuggingFaceClient
from bot.services.live_votes import LiveVotes, NoticingChat, PaperPosts
from bot.services.locales import UserLocales
from bot.services.lookup import PaperLookup
from bot.services.poster import Delivery, DigestPoster
from bot.services.sample import SampleSource, load_sample
from bot.services.schedule import DueDigest, Scheduler, clock_from, posted_now
from bot.services.threads import (
    AskParts,
    Conversations,
    FlagLanguages,
    Lazy,
    Thread,
    ThreadQuestion,
    ThreadStore,
)
from bot.stores import Stores, open_redis

if TYPE_CHECKING:  # loaded where used: a CLI command pays only for what it runs
    from openai import AsyncOpenAI

    from bot.web import Health

log = logging.getLogger(__name__)
TOKENS = {"slack": "SLACK_BOT_TOKEN", "discord": "DISCORD_TOKEN"}


class Paperboy:
    """Every long-lived part, wired once. Build it with `Paperboy.open()`; tests may pass parts in.

    Commands get `services`, the narrow set of parts they use; adapters call the methods below;
    workers and the CLI use `poster`, `scheduler` and `chats`.
    """

    def __init__(
        self,
        stores: Stores,
        *,
        papers: PaperSource,
        trending: TrendingSource,
        summarizer: Summarizer,
        chats: dict[str, ChatPort] | None = None,
        ask: Lazy[AskParts] | None = None,
    ) -> None:
        settings, redis = stores.settings, stores.redis
        self.stores = stores
        self.settings = settings
        self.redis = redis
        self.cache = cache = stores.cache
        self.papers = papers
        self.trending = trending
        self.summarizer = summarizer
        self.chats: dict[str, ChatPort] = chats or {}
        self.clock = clock_from(settings.test_now)
        self.teams = stores.teams
        self.votes = stores.votes
        self.channels = stores.channels
        self.guards = Guards(redis)
        self.locales = UserLocales(redis)
        self.vote_emoji = VoteEmoji.from_settings(settings.vote_up, settings.vote_down)
        self.lookup = PaperLookup(papers, trending, cache)
        self.digests = DigestService(
            papers=papers,
            trending=trending,
            summarizer=summarizer,
            votes=self.votes,
            channels=self.channels,
        )
        self.poster = DigestPoster(redis, self.channels, lease=settings.digest_lease)
        self.posts = PaperPosts(redis)
        self.live_votes = LiveVotes(
            redis,
            self.posts,
            self.votes,
            self.teams,
            self.chats,
            interval=settings.vote_edit_interval,
        )
        self.scheduler = Scheduler(
            redis,
            self.channels,
            self.poster,
            late_after=timedelta(seconds=settings.late_after),
            clock=self.clock,
        )
        self.services = Services(
            settings=settings,
            channels=self.channels,
            teams=self.teams,
            votes=self.votes,
            lookup=self.lookup,
            summarizer=summarizer,
            digests=self.digests,
            guards=self.guards,
            cache=cache,
            clock=self.clock,
            posts=self.posts,
            ask=ask,
        )
        self.conversations = Conversations(
            self.services,
            ThreadStore(redis, ttl=settings.thread_ttl_hours * 3600),
            FlagLanguages.parse(settings.flag_languages),
            ask,
        )

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        sample: bool = False,
        platforms: Collection[str] = (),
    ) -> AsyncIterator[Paperboy]:
        """Start (or reach) Redis, build the HTTP and LLM clients (and the chat ports of
        `platforms` that are configured), and close them all on exit.

        `sample=True` serves the bundled sample week instead of arXiv and Hugging Face.
        """
        async with AsyncExitStack() as stack:
            redis = await stack.enter_async_context(open_redis(settings))
            stores = Stores(settings, redis)
            cache = stores.cache
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    timeout=settings.http_timeout,
                    follow_redirects=True,
                    headers={
                        "User-Agent": "paperboy/0.1 (+https://github.com/paperboy-bot/paperboy)"
                    },
                )
            )
            llm = build_llm_client(settings)
            if llm is not None:
                stack.push_async_callback(llm.close)
            papers: PaperSource = ArxivClient(
                http,
                redis,
                api_url=settings.arxiv_api_url,
                retries=settings.http_retries,
                min_interval=settings.arxiv_min_interval,
                cache=cache,
            )
            trending: TrendingSource = HuggingFaceClient(
                http, api_url=settings.hf_api_url, retries=settings.http_retries, cache=cache
            )
            if sample:
                papers = trending = SampleSource(load_sample())
            chats = await stack.enter_async_context(open_chat_ports(settings, platforms))
            app = cls(
                stores,
                papers=papers,
                trending=trending,
                chats=chats,
                ask=Lazy(lambda: build_ask(settings, http, redis, llm)),
                summarizer=SummarizerOnFirstUse(
                    lambda: build_summarizer(settings, llm, redis, papers)
                ),
            )
            await stores.adopt(chats)
            await stack.enter_async_context(app.live_votes.running())
            yield app

    # -- what adapters call ------------------------------------------------------------------
    async def command(self, ctx: CommandContext, text: str) -> Reply:
        reply = await dispatch(self.services, ctx, text)
        word = text.strip().partition(" ")[0].lower() or "help"
        metrics.command(word if registry.get(word) else "lookup", ok=reply.ok)
        return reply

    async def language_for(self, ctx: CommandContext) -> Language:
        return await language_for(self.services, ctx)

    async def posted(self, team: str, message: MessageRef, rich: RichMessage) -> None:
        """The adapter posted `rich` as `message` in `team`: remember its paper so reactions
        on it count, what it showed so its vote line can follow the votes, and that the paper
        is now in that channel (with a link to the message)."""
        if not rich.paper_id:
            return
        await self.channels.map_message(team, message, rich.paper_id)
        chat = self.chats.get(message.channel.platform)
        link = await chat.permalink(team, message) if chat is not None else None
        await self.posts.remember(team, message, rich, link)

    async def reaction(self, event: ReactionChanged, *, platform: str) -> VoteChange | None:
        """A reaction on one of Paperboy's paper messages becomes a vote in the event's team;
        others are ignored."""
        value = self.vote_emoji.value(event.emoji)
        if value is None:
            return None
        team = event.team or await self.teams.team_of(event.message.channel)
        change = await self.votes.record_reaction(
            team,
            event.message,
            event.user,
            canonical(event.emoji),
            value,
            added=event.added,
            event_id=event.event_id,
        )
        if change is not None:
            metrics.votes(platform, "added" if event.added else "removed").inc()
            if change.previous != change.current:  # the tally moved: the message follows
                self.live_votes.changed(team, event.message)
        return change

    async def message(self, event: MessagePosted) -> list[str]:
        """Papers linked in an ordinary message become the channel's digest candidates."""
        ids = [ref.arxiv_id for ref in find_references(event.text)]
        team = event.team or await self.teams.team_of(event.message.channel)
        await self.channels.record_shared(team, event.message, ids, at=self.clock())
        return ids

    # Ask the paper (bot.services.threads): questions in a paper's thread, flags that translate.
    async def thread_of(self, question: ThreadQuestion) -> Thread | None:
        """The paper thread `question` is asked in, or None when it is not a question."""
        return await self.conversations.thread_of(question)

    async def ask(self, question: ThreadQuestion, thread: Thread) -> Reply:
        """The answer to post in the thread; never raises."""
        return await self.conversations.ask(question, thread)

    async def answers_posted(self, team: str, thread: Thread, answers: list[MessageRef]) -> None:
        """The adapter posted the answer as `answers` (replies outside any platform thread)."""
        await self.conversations.answers_posted(team, thread, answers)

    def flag_language(self, emoji: str) -> Language | None:
        """The language a flag reaction asks for (PAPERBOY_FLAG_LANGUAGES), else None."""
        return self.conversations.flags.get(emoji)

    async def translate(
        self, team: str, message: MessageRef, language: Language, user_key: str
    ) -> Reply | None:
        """The summary of the paper `message` shows, in `language`, once per (message,
        language); None when there is nothing to post. Never raises."""
        return await self.conversations.translate(team, message, language, user_key)

    # -- what workers and the CLI call -------------------------------------------------------
    async def deliver(self, due: DueDigest) -> Delivery:
        """Build (once) and post `due` through the exactly-once ledger of its (channel, week)."""
        chat = self.chats.get(due.channel.platform)
        if chat is None:
            raise ConfigError(
                f"{TOKENS[due.channel.platform]}: set it to post in {due.channel.key}"
            )
        plan = await self.services.plan(due.channel, due=due)
        noticing = NoticingChat(chat, lambda ref, rich: self.posted(due.team, ref, rich))
        return await self.poster.deliver(noticing, due, lambda: self.digests.build(plan))

    async def due_now(self, channel: ChannelRef) -> DueDigest:
        """The digest of `channel` posted by hand now (the scheduled run of this week's key)."""
        view = await self.channels.view(channel)
        return posted_now(channel, view.team, view.zone, self.clock())


# -- the platforms: the only place bot/ reaches into adapters/ ---------------------------------------
async def serve_platform(
    app: Paperboy, platform: str, health: Health, *, http: bool, host: str, port: int
) -> None:
    """Serve one platform's adapter until cancelled, keeping its /healthz state."""
    health.set(platform, ok=False, detail="starting")
    try:
        if platform == "slack":
            await _serve_slack(app, health, http=http, host=host, port=port)
        else:
            await _serve_discord(app, health)
    except Exception as exc:
        health.set(platform, ok=False, detail=f"stopped: {type(exc).__name__}")
        raise
    health.set(platform, ok=False, detail="stopped")


async def _serve_slack(app: Paperboy, health: Health, *, http: bool, host: str, port: int) -> None:
    interval = app.settings.slack_post_interval
    if not http:
        from adapters.slack.runner import serve as serve_slack  # noqa: PLC0415

        health.set("slack", ok=True, detail="running (Socket Mode)")
        await serve_slack(app, http=False, interval=interval)
        return
    from adapters.slack.app import SlackAdapter  # noqa: PLC0415
    from adapters.slack.runner import EVENTS_PATH, http_server  # noqa: PLC0415

    async with (
        SlackAdapter.open(app, http=True, interval=interval) as adapter,
        # this process's /healthz and /metrics, on the Slack port
        http_server(adapter, health, host=host, port=port) as bound,
    ):
        log.info("Slack HTTP endpoint on http://%s:%d%s", host, bound, EVENTS_PATH)
        health.set("slack", ok=True, detail="running (HTTP)")
        await asyncio.Event().wait()


async def _serve_discord(app: Paperboy, health: Health) -> None:
    from adapters.discord.runner import serve as serve_discord  # noqa: PLC0415

    async def ready(_chat: object) -> None:
        health.set("discord", ok=True, detail="connected")

    health.set("discord", ok=False, detail="connecting")
    await serve_discord(app, on_ready=ready)


@asynccontextmanager
async def open_chat_ports(
    settings: Settings, platforms: Collection[str]
) -> AsyncIterator[dict[str, ChatPort]]:
    """The chat ports of the configured `platforms` (none asked: no platform SDK is loaded)."""
    if not platforms:
        yield {}
        return
    from adapters.ports import open_chat_ports as open_ports  # noqa: PLC0415  (lazy SDKs)

    async with open_ports(settings, platforms) as ports:
        yield ports


def build_ask(
    settings: Settings, http: httpx.AsyncClient, redis: Redis, llm: AsyncOpenAI | None
) -> AskParts:
    """The full-text reader, question answerer and thread memory, on the shared clients."""
    from bot.services.ask import PaperQA, ThreadMemory  # noqa: PLC0415  (numpy, bm25s, tiktoken)
    from bot.services.fulltext import FullTextFetcher  # noqa: PLC0415

    fetcher = FullTextFetcher(
        http,
        redis,
        web_url=settings.arxiv_web_url,
        min_interval=settings.arxiv_min_interval,
        max_bytes=settings.fulltext_max_bytes,
        timeout=settings.fulltext_timeout,
        retries=settings.http_retries,
        cache_ttl=settings.fulltext_cache_days * 86400,
    )
    qa = PaperQA(
        llm,
        redis,
        fetcher,
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        monthly_token_budget=settings.llm_monthly_token_budget,
        embedding_model=settings.embedding_model,
        context_tokens=settings.ask_context_tokens,
    )
    memory = ThreadMemory(
        redis, max_turns=settings.thread_turns, ttl=settings.thread_ttl_hours * 3600
    )
    return AskParts(qa=qa, memory=memory)


class SummarizerOnFirstUse:
    """The summarizer, built at its first call: its module loads the OpenAI SDK and YAKE
    (docs/benchmarks.md, "CLI start"), which commands that summarise nothing (leaderboard,
    schedule, team) and a process that only counts votes should not pay for."""

    def __init__(self, build: Callable[[], Summarizer]) -> None:
        self._build = build
        self._built: Summarizer | None = None

    def _get(self) -> Summarizer:
        if self._built is None:
            self._built = self._build()
        return self._built

    async def summarize(self, paper: Paper, language: Language) -> Summary:
        return await self._get().summarize(paper, language)

    async def trend(self, papers: Sequence[Paper], language: Language) -> tuple[str, bool]:
        return await self._get().trend(papers, language)


def build_summarizer(
    settings: Settings, llm: AsyncOpenAI | None, redis: Redis, papers: PaperSource
) -> Summarizer:
    from bot.services.summarizer import LLMSummarizer  # noqa: PLC0415  (see SummarizerOnFirstUse)

    return LLMSummarizer(
        llm,
        redis,
        papers=papers,
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        monthly_token_budget=settings.llm_monthly_token_budget,
    )


def build_llm_client(settings: Settings) -> AsyncOpenAI | None:
    """The OpenAI-compatible client, or None without a key (summaries are then extractive)."""
    if settings.openai_api_key is None:
        log.info("OPENAI_API_KEY is unset: summaries will be extractive (quoted from abstracts)")
        return None
    from openai import AsyncOpenAI  # noqa: PLC0415  (the SDK loads only with a key)

    return AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
    )
