"""The languages Paperboy speaks: a module of its own so that importing them (every CLI command
and the i18n catalogs do) does not build the pydantic domain models."""

from __future__ import annotations

from typing import Literal, cast, get_args

from bot.errors import ConfigError

Language = Literal["en", "ko", "ja", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "ko", "ja", "zh")


def flag_pairs(setting: str) -> dict[str, Language]:
    """`kr=ko, jp=ja, flag-tw=zh` (emoji name or character = language) as a dict; ConfigError
    naming PAPERBOY_FLAG_LANGUAGES for anything else."""
    mapping: dict[str, Language] = {}
    for item in filter(None, (part.strip() for part in setting.split(","))):
        name, _, language = (s.strip() for s in item.partition("="))
        if not name or language not in get_args(Language):
            raise ConfigError(f"PAPERBOY_FLAG_LANGUAGES: {item!r} is not <flag>=<en|ko|ja|zh>")
        mapping[name] = cast("Language", language)  # checked just above
    return mapping
