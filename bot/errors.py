"""Errors a user or operator can cause; their message is the text they are shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain import Language
    from bot.i18n import Text


class PaperboyError(Exception):
    """Base class: the message is safe and helpful to show to a user as is.

    Raised with a `bot.i18n.lazy(...)` message, it is shown in the reader's language
    (`localized`); `str(error)` is the English text, for logs.
    """

    def __init__(self, message: str | Text = "", *args: object) -> None:
        super().__init__(str(message), *args)
        self.text = message

    def localized(self, language: Language) -> str:
        text = self.text
        return text if isinstance(text, str) else text.render(language)


class ConfigError(PaperboyError):
    """A setting is missing or invalid."""


class BadReference(PaperboyError):
    """The `/paper` input names no paper Paperboy can look up."""


class PaperNotFound(PaperboyError):
    """A well-formed id that the source does not know."""


class UpstreamError(PaperboyError):
    """arXiv, Hugging Face or the LLM answered badly after every retry."""


class RateLimited(PaperboyError):
    """A user asked for more LLM work than the configured rate allows."""

    def __init__(self, message: str | Text, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotAllowed(PaperboyError):
    """The user lacks the permission the command needs."""
