"""Small async Protocols the core depends on; services implement them, tests may swap them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.domain import ChannelRef, Language, MessageRef, Paper, Summary
from bot.render import RichMessage


class PaperSource(Protocol):
    """arXiv-like source: papers by id, and keyword search."""

    async def fetch(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """Papers by bare or versioned id; ids the source does not know are absent."""
        ...

    async def search(self, query: str, *, max_results: int = 5) -> list[Paper]:
        """Best matches for free keywords or an arXiv `search_query` expression."""
        ...

    async def search_category(
        self,
        categories: Sequence[str],
        *,
        since: datetime,
        until: datetime | None = None,
        max_results: int = 50,
    ) -> list[Paper]:
        """Newest papers of the given arXiv categories submitted from `since` to `until`."""
        ...


class TrendingSource(Protocol):
    """Hugging Face-like source of community-picked papers with upvotes."""

    async def daily(self, day: date) -> list[Paper]: ...

    async def week(self, iso_week: str) -> list[Paper]: ...

    async def paper(self, arxiv_id: str) -> Paper | None: ...


class Summarizer(Protocol):
    """Turns papers into summaries and a week's papers into a trend paragraph."""

    async def summarize(self, paper: Paper, language: Language) -> Summary: ...

    async def trend(self, papers: Sequence[Paper], language: Language) -> tuple[str, bool]:
        """The trend paragraph and whether an LLM wrote it (False: extractive fallback)."""
        ...


class ChatPort(Protocol):
    """What the core needs from a chat platform: post a message (a digest, an answer), edit
    one it posted (live vote counts) and link to it."""

    platform: str

    async def post(self, channel: ChannelRef, message: RichMessage) -> MessageRef:
        """Post `message` (splitting it within the platform's limits); the first part's ref."""
        ...

    async def update(self, message: MessageRef, rich: RichMessage) -> bool:
        """Replace the content of `message` (posted by `post`) with `rich`. False when the
        platform says the message can no longer be edited (deleted, too old, not ours);
        raises on failures worth retrying (network, rate limits past the client's retries)."""
        ...

    async def permalink(self, team: str, message: MessageRef) -> str | None:
        """A link that opens `message` (posted in `team`), or None when none can be made."""
        ...

    async def install_team(self) -> str | None:
        """The team key this install serves when it serves exactly one (Slack: the token's
        workspace), else None."""
        ...

    async def team_of(self, channel: ChannelRef) -> str | None:
        """The team key `channel` belongs to, asked of the platform; None when unknown."""
        ...
