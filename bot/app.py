"""The composition root: one `async with Paperboy.open(settings)` owns every client.

Adapters, the CLI and the workers all go through this object; nothing else builds clients, and
nothing reads the environment but `bot.config`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import platformdirs
from openai import AsyncOpenAI
from redis.asyncio import Redis

from bot import metrics
from bot.commands import CommandContext, Reply, dispatch, registry
from bot.config import Settings
from bot.domain import Language, MessagePosted, MessageRef, ReactionChanged, VoteChange
from bot.emoji import VoteEmoji, canonical
from bot.ports import PaperSource, Summarizer, TrendingSource
from bot.refs import find_references
from bot.render import RichMessage
from bot.services import redis_client
from bot.services.arxiv import ArxivClient
from bot.services.channels import ChannelStore
from bot.services.digest import DigestService
from bot.services.guards import Guards
from bot.services.hf import HuggingFaceClient
from bot.services.lookup import PaperLookup
from bot.services.paper_cache import PaperCache
from bot.services.redis_errors import checked_url
from bot.services.redis_server import EmbeddedRedis
from bot.services.sample import SampleSource, load_sample
from bot.services.summarizer import LLMSummarizer
from bot.services.votes import VoteStore

log = logging.getLogger(__name__)


def data_dir(settings: Settings) -> Path:
    return settings.data_dir or Path(platformdirs.user_data_dir("paperboy"))


class Paperboy:
    """Every service, wired once. Build it with `Paperboy.open()`; tests may pass parts in."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        *,
        papers: PaperSource,
        trending: TrendingSource,
        summarizer: Summarizer,
        cache: PaperCache,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.cache = cache
        self.papers = papers
        self.trending = trending
        self.summarizer = summarizer
        self.votes = VoteStore(redis)
        self.channels = ChannelStore(redis)
        self.guards = Guards(redis)
        self.vote_emoji = VoteEmoji.from_settings(settings.vote_up, settings.vote_down)
        self.lookup = PaperLookup(papers, trending, cache)
        self.digests = DigestService(
            papers=papers,
            trending=trending,
            summarizer=summarizer,
            votes=self.votes,
            channels=self.channels,
        )

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings, *, sample: bool = False) -> AsyncIterator[Paperboy]:
        """Start (or reach) Redis, build the HTTP and LLM clients, and close them all on exit.

        `sample=True` serves the bundled sample week instead of arXiv and Hugging Face.
        """
        async with AsyncExitStack() as stack:
            redis = await stack.enter_async_context(open_redis(settings))
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
            cache = PaperCache(redis)
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
            yield cls(
                settings,
                redis,
                cache=cache,
                papers=papers,
                trending=trending,
                summarizer=LLMSummarizer(
                    llm,
                    redis,
                    model=settings.llm_model,
                    timeout=settings.llm_timeout,
                    monthly_token_budget=settings.llm_monthly_token_budget,
                ),
            )

    # -- what adapters call ------------------------------------------------------------------
    async def command(self, ctx: CommandContext, text: str) -> Reply:
        reply = await dispatch(self, ctx, text)
        word = text.strip().partition(" ")[0].lower() or "help"
        metrics.command(word if registry.get(word) else "lookup", ok=reply.ok)
        return reply

    async def language_for(self, ctx: CommandContext) -> Language:
        if ctx.language:
            return ctx.language
        config = await self.channels.config(ctx.channel)
        return config.language or self.settings.language

    async def posted(self, message: MessageRef, rich: RichMessage) -> None:
        """The adapter posted `rich` as `message`: remember its paper so reactions count."""
        if rich.paper_id:
            await self.channels.map_message(message, rich.paper_id)

    async def reaction(self, event: ReactionChanged, *, platform: str) -> VoteChange | None:
        """A reaction on one of Paperboy's paper messages becomes a vote; others are ignored."""
        value = self.vote_emoji.value(event.emoji)
        if value is None:
            return None
        change = await self.votes.record_reaction(
            event.message,
            event.user,
            canonical(event.emoji),
            value,
            added=event.added,
            event_id=event.event_id,
        )
        if change is not None:
            metrics.votes(platform, "added" if event.added else "removed").inc()
        return change

    async def message(self, event: MessagePosted) -> list[str]:
        """Papers linked in an ordinary message become the channel's digest candidates."""
        ids = [ref.arxiv_id for ref in find_references(event.text)]
        await self.channels.record_shared(event.message.channel, ids)
        return ids


def build_llm_client(settings: Settings) -> AsyncOpenAI | None:
    """The OpenAI-compatible client, or None without a key (summaries are then extractive)."""
    if settings.openai_api_key is None:
        log.info("OPENAI_API_KEY is unset: summaries will be extractive (quoted from abstracts)")
        return None
    return AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
    )


@asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[Redis]:
    """The configured Redis, or the embedded one this process joins (and may start)."""
    async with AsyncExitStack() as stack:
        url = checked_url(settings.redis_url)
        if url is None:
            server = EmbeddedRedis(data_dir(settings))
            url = await asyncio.to_thread(server.start)
            stack.push_async_callback(asyncio.to_thread, server.stop)  # may wait for a shutdown
        # A host that never answers fails in seconds; `?socket_timeout=` in the URL wins.
        client = redis_client.connect(url, socket_connect_timeout=5, socket_timeout=10)
        stack.push_async_callback(client.aclose)
        yield client
