"""Frozen domain models: papers, summaries, votes and digests.

They are pydantic models so that the Redis store and the `--json` CLI output share one
serialisation; every model is frozen so a value handed to an adapter cannot change under it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import BadReference
from bot.i18n import lazy
from bot.languages import Language

SummarySource = Literal["llm", "extractive"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Paper(_Frozen):
    """One arXiv paper, merged from the arXiv API and (when known) Hugging Face papers."""

    arxiv_id: str
    version: int | None = None
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None
    upvotes: int | None = None
    github_repo: str | None = None
    project_page: str | None = None
    ai_keywords: tuple[str, ...] = ()

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    @property
    def hf_url(self) -> str:
        return f"https://huggingface.co/papers/{self.arxiv_id}"

    def links(self) -> dict[str, str]:
        """Every link a reader may want, in display order; code, project and HF only when known."""
        out = {"arXiv": self.abs_url, "PDF": self.pdf_url}
        if self.github_repo:
            out["Code"] = self.github_repo
        if self.project_page:
            out["Project"] = self.project_page
        if self.upvotes is not None or self.ai_keywords:  # only a Hugging Face answer sets them
            out["HF"] = self.hf_url
        return out

    def merged(self, other: Paper) -> Paper:
        """This paper completed with the fields `other` knows and this one lacks."""
        mine = self.model_dump(exclude_defaults=True)
        theirs = other.model_dump(exclude_defaults=True)
        return Paper.model_validate({**theirs, **mine})


class Summary(_Frozen):
    """What the LLM (or the extractive fallback) says about one paper in one language."""

    arxiv_id: str
    version: int | None = None
    language: Language = "en"
    title_translated: str | None = None
    tldr: str
    key_points: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: SummarySource = "llm"
    model: str | None = None
    ungrounded_dropped: int = Field(
        default=0, description="claims dropped because the abstract does not support them"
    )


class ChannelRef(_Frozen):
    """A channel on one platform; `key` is how Redis and logs name it (`slack:C123`)."""

    platform: str
    channel_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.channel_id}"

    @classmethod
    def parse(cls, text: str) -> ChannelRef:
        platform, sep, channel = text.partition(":")
        if not sep or not platform or not channel:
            raise BadReference(
                lazy(
                    "A channel looks like slack:C123 or discord:123, not {text}.",
                    text=repr(text[:60]),
                )
            )
        return cls(platform=platform, channel_id=channel)


class MessageRef(_Frozen):
    """One message Paperboy posted: what a reaction points at."""

    channel: ChannelRef
    message_id: str

    @property
    def key(self) -> str:
        return f"{self.channel.key}:{self.message_id}"


class Tally(_Frozen):
    up: int = 0
    down: int = 0

    @property
    def net(self) -> int:
        return self.up - self.down


class VoteChange(_Frozen):
    """The outcome of recording or removing one vote."""

    arxiv_id: str
    user: str
    previous: int
    current: int
    tally: Tally

    @property
    def changed(self) -> bool:
        return self.previous != self.current


class Why(_Frozen):
    """What lifted a paper into a digest: facts only, put into words in the digest's language
    when it is shown (`bot.render.explain`)."""

    up: int = 0  # the team's votes
    down: int = 0
    upvotes: int = 0  # Hugging Face upvotes
    topics: tuple[str, ...] = ()  # the channel's topics it matches
    shared: int = 0  # messages in the channel that linked it
    new: bool = False  # nothing else to say: it is new this week


class DigestItem(_Frozen):
    paper: Paper
    summary: Summary
    score: float
    why: Why | str = Why()  # str: digests stored before reasons were facts
    tally: Tally = Tally()


class Digest(_Frozen):
    """One channel's digest: `week` is the ISO week it covers (or that it was posted in, for a
    window that is not one ISO week); `first`..`last` the days it covers (`bot.window`)."""

    channel: ChannelRef | None
    week: str
    language: Language
    first: date | None = None
    last: date | None = None
    trend: str
    trend_source: SummarySource
    items: tuple[DigestItem, ...] = ()
    empty_reason: str | None = None
