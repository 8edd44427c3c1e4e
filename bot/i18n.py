"""Every word Paperboy shows, in the reader's language: gettext catalogs managed with Babel.

Messages are written in English in the code, as the msgid, and looked up in
`bot/locale/<lang>/LC_MESSAGES/messages.mo` (compiled from the `.po` files when the package is
built or installed, see `setup.py`). The workflow is in `bot/locale/README.md`:
`pybabel extract` finds every call below (`KEYWORDS`), `pybabel update` merges new messages
into the catalogs, a translator fills them in, and tests/unit/test_i18n.py fails while any
message lacks a translation in a language or a translation drops a placeholder.

- `t(message, language, **values)`: one message; placeholders are `{name}`.
- `tn(singular, plural, n, language, **values)`: a count, with the language's CLDR plural
  forms (`{n}` is filled in, formatted for the language).
- `lazy(...)` / `lazy_n(...)`: the same, rendered later, for text made before the reader's
  language is known (user-facing errors raised deep in a service, ranking reasons).
- `N_(message)`: marks a table entry for extraction; `t()` translates it where it is shown.

Values that are numbers are formatted per language (`format_decimal`); `Text` values are
rendered in the same language, so a message can embed another.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import get_args

from bot.languages import Language

DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"
# The calls `pybabel extract` reads (its `-k` options; README in bot/locale).
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "t": None,
    "tn": (1, 2),
    "lazy": None,
    "lazy_n": (1, 2),
    "N_": None,
}


@functools.cache
def catalog(language: Language) -> gettext.NullTranslations:
    """The compiled catalog of `language`, loaded once. A missing `.mo` is an install that
    skipped the build step: fail loudly rather than answer in English."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=False)


def t(message: str, language: Language, /, **values: object) -> str:
    """`message` (an English msgid) in `language`, with `values` filled in."""
    return _fill(catalog(language).gettext(message), language, values)


def tn(singular: str, plural: str, n: int, language: Language, /, **values: object) -> str:
    """A message about `n` things, in the plural form `language` uses for `n`."""
    text = catalog(language).ngettext(singular, plural, n)
    return _fill(text, language, {"n": n, **values})


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name for "mark only")
    """Mark `message` for extraction without translating it here."""
    return message


# What every adapter answers while Redis is unreachable, instead of failing silently.
REDIS_DOWN = N_("Paperboy can't reach its database, try again in a minute.")


@dataclass(frozen=True, eq=False)
class Text:
    """A message rendered later, once the reader's language is known."""

    message: str
    values: Mapping[str, object] = field(default_factory=dict)
    plural: str | None = None
    n: int = 0

    def render(self, language: Language) -> str:
        if self.plural is None:
            return t(self.message, language, **self.values)
        return tn(self.message, self.plural, self.n, language, **self.values)

    def __str__(self) -> str:
        """English: what logs and exceptions show."""
        return self.render("en")


def lazy(message: str, /, **values: object) -> Text:
    return Text(message, values)


def lazy_n(singular: str, plural: str, n: int, /, **values: object) -> Text:
    return Text(singular, values, plural, n)


def render(text: str | Text, language: Language) -> str:
    """A plain string as is, a `Text` in `language`."""
    return text.render(language) if isinstance(text, Text) else text


def _fill(text: str, language: Language, values: Mapping[str, object]) -> str:
    return text.format(**{name: _local(value, language) for name, value in values.items()})


def _local(value: object, language: Language) -> object:
    if isinstance(value, Text):
        return value.render(language)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value, language)
    return value


# -- numbers, dates and locales --------------------------------------------------------------------
# Babel is imported where used: a CLI command that prints only JSON never loads it.
def number(value: float, language: Language) -> str:
    """`1234` as the language writes it (`1,234`)."""
    from babel.numbers import format_decimal  # noqa: PLC0415

    return format_decimal(value, locale=language)


def day(value: date, language: Language) -> str:
    """A date as the language writes it: `Mar 18, 2024`, `2024. 3. 18.`, `2024/03/18`."""
    from babel.dates import format_date  # noqa: PLC0415

    return format_date(value, "medium", locale=language)


def moment(value: datetime, language: Language) -> str:
    """A weekday, date and time in `value`'s own zone, named: `Mon, Mar 18, 2024 09:00 KST`,
    `2024년 3월 18일 (월) 09:00 KST` (the zone's abbreviation, which readers of every language
    recognise, rather than CLDR's long localized zone names)."""
    from babel.dates import format_skeleton  # noqa: PLC0415

    when = format_skeleton("yMMMEd", value, tzinfo=value.tzinfo, locale=language)
    time_of_day = format_skeleton("Hm", value, tzinfo=value.tzinfo, locale=language)
    zone = value.tzname() or ""
    return f"{when} {time_of_day} {zone}".rstrip()


def language_of(locale: str | None) -> Language | None:
    """Paperboy's language for a platform locale (`ko-KR`, `ja`, `zh-TW`, `en-US`), or None
    for a language Paperboy does not write (the channel's language is used then)."""
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415

    if not locale:
        return None
    try:
        code = Locale.parse(locale.replace("_", "-"), sep="-").language
    except (ValueError, UnknownLocaleError):
        return None
    return next((lang for lang in get_args(Language) if lang == code), None)


def language_name(code: Language, reader: Language) -> str:
    """The name of language `code` as `reader`'s language writes it (CLDR): `Korean`, `한국어`,
    `韓国語`, `韩语`."""
    from babel import Locale  # noqa: PLC0415

    return Locale.parse(code).get_language_name(reader) or code
