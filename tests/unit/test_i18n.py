"""The gettext catalogs: complete in every language, placeholders intact, in step with the code
(every message `pybabel extract` finds is in them) and compiled the way an install compiles."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.domain import LANGUAGES, Language
from bot.errors import BadReference
from bot.i18n import DOMAIN, KEYWORDS, LOCALE_DIR, language_of, lazy, lazy_n, t, tn

ROOT = Path(__file__).parents[2]


def catalog_of(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po)


def entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def code_messages() -> set[str]:
    """Every msgid (singular) the code passes to t/tn/lazy/lazy_n/N_, as `pybabel extract`
    finds them with babel.cfg."""
    found: set[str] = set()
    for section in ("bot", "adapters"):
        method_map = [(f"{section}/**.py", "python")]
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation(language: str) -> None:
    catalog = catalog_of(language)
    for message in entries(catalog):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1), message.id
        assert all(strings), f"{language}: no translation for {message.id!r}"
        assert not message.fuzzy, f"{language}: fuzzy translation of {message.id!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language: str) -> None:
    for message in entries(catalog_of(language)):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(fields(i) for i in ids))
        for translated in strings:
            assert fields(translated) == wanted, (language, message.id, translated)


def test_plural_forms_come_from_cldr() -> None:
    assert catalog_of("en").num_plurals == 2
    for language in ("ko", "ja", "zh"):
        assert catalog_of(language).num_plurals == 1


def test_the_catalogs_hold_every_message_in_the_code() -> None:
    """A new `t(...)` anywhere fails here until `pybabel update` and a translator ran."""
    in_code = code_messages()
    assert len(in_code) > 100
    for language in LANGUAGES:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in entries(catalog_of(language))}
        assert not in_code - known, (language, sorted(in_code - known))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_installed_catalogs_are_compiled_from_the_po_files(language: Language) -> None:
    """The `.mo` files the install built say what the `.po` files say (else: reinstall)."""
    for message in entries(catalog_of(language)):
        if isinstance(message.id, tuple):
            values = {k: v for k, v in _dummy(message.id[1]).items() if k != "n"}
            expected = message.string[0].format(**values, n="1")
            assert tn(*message.id, 1, language, **values) == expected
        else:
            assert t(message.id, language, **_dummy(message.id)) == message.string.format(
                **_dummy(message.id)
            )


def _dummy(msgid: str) -> dict[str, str]:
    return {name: f"<{name}>" for name in fields(msgid)}


def test_setup_compiles_every_catalog(tmp_path: Path) -> None:
    """setup.py's build step (what pip runs for a wheel or an install) writes loadable `.mo`
    files for every language."""
    namespace: dict[str, object] = {}
    source = (ROOT / "setup.py").read_text()
    exec(compile(source.replace("setup(cmdclass", "dict(cmdclass"), "setup.py", "exec"), namespace)
    written = namespace["compile_catalogs"](ROOT, tmp_path)  # type: ignore[operator]
    assert {p.parts[-3] for p in written} == set(LANGUAGES)
    korean = gettext.translation(DOMAIN, tmp_path / "bot" / "locale", languages=["ko"])
    assert korean.gettext("TL;DR") == "요약"


def test_counts_take_the_languages_plural_forms() -> None:
    assert tn("{n} HF upvote", "{n} HF upvotes", 1, "en") == "1 HF upvote"
    assert tn("{n} HF upvote", "{n} HF upvotes", 1234, "en") == "1,234 HF upvotes"
    assert tn("{n} HF upvote", "{n} HF upvotes", 71, "ko") == "HF 추천 71개"
    summary = "This week's {n} pick centres on {themes}."
    plural = "This week's {n} picks centre on {themes}."
    assert "3편" in tn(summary, plural, 3, "ko", themes="x")
    assert "3本" in tn(summary, plural, 3, "ja", themes="x")
    assert "3篇" in tn(summary, plural, 3, "zh", themes="x")


@pytest.mark.parametrize("language", ["ko", "ja", "zh"])
def test_no_placeholder_particles_or_english_plural_hacks(language: str) -> None:
    for message in entries(catalog_of(language)):
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            assert not re.search(r"[을를이가은는와과]\)|\(s\)", text), text
            assert not re.search(r"\}(은|는|이|가|을|를|와|과|으로|라는)\b", text), text


def test_errors_raised_deep_down_read_in_the_readers_language() -> None:
    error = BadReference(
        lazy("Nothing to look up: {ask}.", ask=lazy("give an arXiv id, a link, or a few keywords"))
    )
    assert str(error) == "Nothing to look up: give an arXiv id, a link, or a few keywords."
    assert (
        error.localized("ko")
        == "찾을 내용이 없습니다. arXiv ID나 링크, 또는 키워드 몇 개를 입력해 주세요."
    )
    minutes = lazy_n(
        "Please try again in about {n} minute.", "Please try again in about {n} minutes.", 2
    )
    assert minutes.render("ja") == "約2分後にもう一度お試しください。"


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ko-KR", "ko"),
        ("ko", "ko"),
        ("ja-JP", "ja"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr-FR", None),
        ("pt-BR", None),
        ("", None),
        (None, None),
        ("not a locale", None),
    ],
)
def test_platform_locales_map_to_our_four_languages(
    locale: str | None, language: str | None
) -> None:
    assert language_of(locale) == language
