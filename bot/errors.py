"""Errors a user or operator can cause; their message is the text they are shown."""


class PaperboyError(Exception):
    """Base class: the message is safe and helpful to show to a user as is."""


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

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotAllowed(PaperboyError):
    """The user lacks the permission the command needs."""
