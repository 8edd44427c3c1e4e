"""Conversations about a paper under its message, and the flag reactions that translate it.

A thread is keyed by the message it hangs on (`MessageRef.key` of the paper message: a Slack
`thread_ts`, a Discord thread's starter message, the message a Discord reply points at). Once
Paperboy has answered in a thread, `ThreadStore` remembers the paper it is about, so any later
reply there is a question without a mention. Paperboy's own answers on Discord are replies, not
thread messages: each is recorded as an alias of the thread it answers, so replying to an answer
continues the same conversation.

`FlagLanguages` maps flag reactions (`PAPERBOY_FLAG_LANGUAGES`: `kr=ko,flag-tw=zh,…`) to the
language a paper's summary is translated into; names and characters fold alike (`canonical`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis

from bot import keys
from bot.commands.base import Reply
from bot.domain import Language, MessageRef
from bot.emoji import canonical
from bot.errors import PaperNotFound, RateLimited, UpstreamError
from bot.i18n import t
from bot.languages import flag_pairs
from bot.render import Context, RichMessage, render_answer, render_paper

if TYPE_CHECKING:
    from bot.commands.base import Services
    from bot.services.ask import PaperQA, ThreadMemory

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSLATION_MARK_TTL = 400 * 86400  # as long as the message's votes count (MESSAGE_MAP_TTL)


@dataclass(frozen=True)
class ThreadQuestion:
    """Someone wrote `text` under `parent` (a thread's first message, or the message replied to).

    `mentioned`: the message names Paperboy, which a thread needs before its first answer.
    """

    team: str
    user: str  # the platform's user id
    parent: MessageRef
    text: str
    mentioned: bool

    @property
    def user_key(self) -> str:
        """`slack:U123`: the per-user rate limit's key, as commands count it."""
        return f"{self.parent.channel.platform}:{self.user}"


class Thread(BaseModel):
    """The paper a conversation is about and the key its turns are remembered under."""

    model_config = ConfigDict(frozen=True)

    paper: str
    key: str


class ThreadStore:
    """Which threads Paperboy has answered in, for `ttl` seconds after its last answer."""

    def __init__(self, redis: Redis, *, ttl: float) -> None:
        self._redis = redis
        self._ttl = max(1, int(ttl))

    async def answered(self, team: str, message_key: str) -> Thread | None:
        """The thread `message_key` hangs on or answers in, if Paperboy has answered there."""
        raw = await self._redis.get(keys.thread(team, message_key))
        return Thread.model_validate_json(raw) if raw else None

    async def remember(self, team: str, thread: Thread, *answers: MessageRef) -> None:
        """Paperboy answered in `thread` (with the `answers` messages, where replies are not
        in the thread itself): later replies there or to them are questions."""
        value = thread.model_dump_json()
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in (thread.key, *(a.key for a in answers)):
                pipe.set(keys.thread(team, key), value, ex=self._ttl)
            await pipe.execute()

    async def first_translation(self, team: str, message: MessageRef, language: str) -> bool:
        """True once per (message, language): the marker that posts a flag's translation once."""
        key = keys.translation(team, message.key, language)
        return bool(await self._redis.set(key, b"1", nx=True, ex=TRANSLATION_MARK_TTL))

    async def forget_translation(self, team: str, message: MessageRef, language: str) -> None:
        """The translation could not be posted: a later flag may try again."""
        await self._redis.delete(keys.translation(team, message.key, language))


class FlagLanguages:
    """Flag reaction -> language; `get()` is a dict lookup on the folded emoji."""

    def __init__(self, mapping: dict[str, Language]) -> None:
        self._languages = {canonical(name): language for name, language in mapping.items()}

    @classmethod
    def parse(cls, setting: str) -> FlagLanguages:
        """`kr=ko, jp=ja, flag-tw=zh` (`bot.languages.flag_pairs`)."""
        return cls(flag_pairs(setting))

    def get(self, emoji: str) -> Language | None:
        return self._languages.get(canonical(emoji))

    def __contains__(self, emoji: str) -> bool:
        return canonical(emoji) in self._languages


class Lazy(Generic[T]):
    """A part built on first use: the question answerer loads numpy, tiktoken and bm25s
    (about 0.6 s), which a CLI command that never asks a question should not pay for."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None

    def get(self) -> T:
        if self._value is None:
            self._value = self._build()
        return self._value


class Conversations:
    """Questions in paper threads and translations on flags, for the adapters.

    Both return a Reply to post in the thread (or None: not a question, nothing to post) and
    never raise: a rate limit, a paper arXiv cannot serve or a fault becomes one line in the
    asker's language.
    """

    def __init__(
        self,
        services: Services,
        store: ThreadStore,
        flags: FlagLanguages,
        ask: Lazy[AskParts] | None,
    ) -> None:
        self._s = services
        self.store = store
        self.flags = flags
        self._ask = ask

    # -- questions ---------------------------------------------------------------------------
    async def thread_of(self, question: ThreadQuestion) -> Thread | None:
        """The thread `question` is asked in, if it is a question Paperboy answers: a reply
        where Paperboy has answered, or one naming Paperboy under a paper message."""
        if self._ask is None or not self._s.settings.threads or not question.text.strip():
            return None
        thread = await self.store.answered(question.team, question.parent.key)
        if thread is not None or not question.mentioned:
            return thread
        paper = await self._s.channels.paper_for(question.team, question.parent)
        return Thread(paper=paper, key=question.parent.key) if paper else None

    async def ask(self, question: ThreadQuestion, thread: Thread) -> Reply:
        """The answer to post in the thread, citing the paper's sections."""
        from bot.services.ask import detect_language  # noqa: PLC0415  (with the answerer)

        try:
            return await self._answer(question, thread)
        except Exception as exc:  # never crash the adapter: one line in the asker's language
            return self._failure(exc, detect_language(question.text, self._s.settings.language))

    async def _answer(self, question: ThreadQuestion, thread: Thread) -> Reply:
        from bot.services.ask import Turn  # noqa: PLC0415  (loaded with the answerer)

        assert self._ask is not None  # thread_of() found no thread without it
        parts = self._ask.get()
        view = await self._s.channels.view(question.parent.channel, question.team)
        await self._s.guards.check_rate(
            question.team, question.user_key, self._s.settings.user_rate_limit
        )
        paper = (await self._s.lookup.find(thread.paper)).paper
        history = await parts.memory.turns(question.team, thread.key)
        answer = await parts.qa.ask(
            paper, question.text, history=history, default_language=view.language
        )
        said = answer.text or " ".join(c.quote for c in answer.citations)
        await parts.memory.remember(
            question.team, thread.key, Turn(question=question.text, answer=said[:2000])
        )
        await self.store.remember(question.team, thread)
        return Reply(messages=(render_answer(answer),))

    async def answers_posted(self, team: str, thread: Thread, answers: list[MessageRef]) -> None:
        """Paperboy's answers were posted as replies: replying to them continues the thread."""
        if answers:
            await self.store.remember(team, thread, *answers)

    # -- flags -------------------------------------------------------------------------------
    async def translate(
        self, team: str, message: MessageRef, language: Language, user_key: str
    ) -> Reply | None:
        """The summary of the paper `message` shows, in `language`, to post in its thread; None
        for other messages and for a (message, language) already translated."""
        paper_id = await self._s.channels.paper_for(team, message)
        if paper_id is None or not await self.store.first_translation(team, message, language):
            return None
        try:
            return await self._translation(team, paper_id, language, user_key)
        except Exception as exc:
            await self.store.forget_translation(team, message, language)  # a later flag retries
            return self._failure(exc, language)

    async def _translation(
        self, team: str, paper_id: str, language: Language, user_key: str
    ) -> Reply:
        await self._s.guards.check_rate(team, user_key, self._s.settings.user_rate_limit)
        paper = (await self._s.lookup.find(paper_id)).paper
        summary = await self._s.summarizer.summarize(paper, language)  # cached once per language
        tally = await self._s.votes.tally(await self._s.teams.ledger(team), paper_id)
        rich = render_paper(paper, summary, tally)
        # Not a paper message: reactions on a thread reply are not votes, nor flags again.
        blocks = (Context(t("🌐 This paper's summary, asked for with a flag", language)),)
        return Reply(messages=(RichMessage(blocks + rich.blocks, rich.fallback),))

    # -- faults ------------------------------------------------------------------------------
    def _failure(self, exc: Exception, language: Language) -> Reply:
        if isinstance(exc, RateLimited):
            minutes = max(1, math.ceil(exc.retry_after / 60))
            limit = self._s.settings.user_rate_limit
            return Reply.error(
                t(
                    "You have asked Paperboy {limit} times this hour, the most it allows. "
                    "Please ask again in about {minutes} min.",
                    language,
                    limit=limit,
                    minutes=minutes,
                )
            )
        if isinstance(exc, PaperNotFound | UpstreamError):
            log.warning("no full text or paper for a thread: %s", exc)
            return Reply.error(
                t(
                    "Paperboy could not read this paper from arXiv just now. Please try again later.",
                    language,
                )
            )
        log.error("answering in a paper thread failed", exc_info=exc)
        return Reply.error(
            t(
                "Sorry, something went wrong on Paperboy's side. Please try again in a minute.",
                language,
            )
        )


@dataclass(frozen=True)
class AskParts:
    """The question answerer and the threads' memory (built together, on first use)."""

    qa: PaperQA
    memory: ThreadMemory
