"""What a `/paper` argument or a chat message names: an arXiv id, a paper link, or keywords.

Pure functions, no I/O. `parse_reference()` reads one `/paper` argument and either returns a
reference or raises `BadReference` whose message tells the user what to type instead.
`find_references()` picks the papers out of an ordinary chat message, deliberately strict:
only paper links, arXiv DOIs and explicit `arXiv:` ids count, never a bare number that merely
looks like an id (prices, versions, decimals in prose).

The identifier rules are arXiv's own (arxiv-base `arxiv.identifier.Identifier`): new-style
`YYMM.NNNN` from 0704 to 1412 and `YYMM.NNNNN` from 1501, old-style `archive/YYMMNNN` from 1991
to March 2007, months 01-12, numbers and versions from 1.

Ids are canonical: the version is split off, old-style archives are lower case and the subject
class is dropped (`math.GT/0309136` is the citation form of `math/0309136`, the id the arXiv API
answers with), so the same paper always has the same key in Redis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.errors import BadReference
from bot.i18n import Text, lazy
from bot.text import normalize_ws, sanitize

MAX_LENGTH = 300
HINT = lazy("arXiv ids look like 2401.08541, 2401.08541v2 or hep-th/9901001")
ASK = lazy("give an arXiv id, a link, or a few keywords")

# Archives that issued old-style ids (archive/YYMMNNN, 1991 to March 2007).
_ARCHIVE_NAMES = (
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas "
    "cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph mtrl-th nlin "
    "nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int supr-con"
)
OLD_ARCHIVES = frozenset(_ARCHIVE_NAMES.split())
_ARXIV_KINDS = ("abs", "pdf", "html", "ps", "src", "tb")
# host -> the first path segments that lead to one paper on that site; () when the id comes first
SITES: dict[str, tuple[str, ...]] = {
    "arxiv.org": _ARXIV_KINDS,
    "export.arxiv.org": _ARXIV_KINDS,
    "alphaxiv.org": ("abs", "overview", "pdf", "html"),
    "pdfs.assets.alphaxiv.org": (),
    "huggingface.co": ("papers",),
    "hf.co": ("papers",),
}
# alphaxiv.org serves translated pages under a language segment: /zh/abs/<id>, /pt-BR/abs/<id>
LANGUAGE_PREFIXED = frozenset({"alphaxiv.org"})
DOI_HOSTS = frozenset({"doi.org", "dx.doi.org"})

_NEW = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})(?:v(\d+))?")
_OLD = re.compile(r"([a-z]+(?:-[a-z]+)?)(?:\.[a-z-]{2,8})?/(\d{2})(\d{2})(\d{3})(?:v(\d+))?", re.I)
_LOOKS_NEW = re.compile(r"\d{4}\.\d+(?:v\w*)?", re.I)
_LOOKS_OLD = re.compile(r"([a-z]+(?:-[a-z]+)?)(?:\.[\w-]*)?/\w+", re.I)
_PREFIX = re.compile(r"arxiv\s*:\s*", re.I)
# What follows an id in a citation and in the stamp arXiv prints on PDFs:
# `arXiv:2401.08541v2 [cs.CL] 16 Jan 2024`, `arXiv:hep-th/9711200v3 22 Jan 1998`.
_STAMP = re.compile(r"(?:\s*\[[a-z-]+(?:\.[a-z-]+)?\])?(?:\s+\d{1,2}\s+[a-z]{3}\s+\d{4})?$", re.I)
# DataCite DOIs arXiv registers for every paper: 10.48550/arXiv.<id>, any letter case.
_ARXIV_DOI = re.compile(r"(?:doi:\s*)?10\.48550/arxiv\.(?P<id>\S+)", re.I)
_ANY_DOI = re.compile(r"(?:doi:\s*)?10\.\d{4,9}/\S+", re.I)
_LANGUAGE = re.compile(r"[a-z]{2}(?:-[a-z]{2})?", re.I)
_FILE_SUFFIX = re.compile(r"\.(?:pdf|ps\.gz|ps|gz)$", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SCHEME_URL = re.compile(r"[a-z][a-z0-9+.-]*://|(?:javascript|data|vbscript|file|mailto):", re.I)
_BARE_URL = re.compile(r"(?:[a-z0-9-]+\.)+([a-z]{2,})(?::\d+)?[/?#]", re.I)
# Lower-case top-level domains people paste without a scheme; `cs.AI/ML` is not a link.
_TLD_NAMES = "com org net io co ai edu dev app me info gov uk de jp kr cn fr ly gl to"
_TLDS = frozenset(_TLD_NAMES.split())
_WORD = re.compile(r"\w")
_WRAPPED = re.compile(r"<([^<>]*)>")
_TRAILING = ".,;:!?)]}'\"/"

_ID_NEW = r"\d{4}\.\d{4,5}(?:v\d+)?"
_ID_OLD = r"[a-z]+(?:-[a-z]+)?(?:\.[a-z-]{2,8})?/\d{7}(?:v\d+)?"
_ID = f"(?:{_ID_NEW}|{_ID_OLD})"
# One branch per way a message can name a paper; each ends in a group holding the id.
_FIND = re.compile(
    r"(?<![\w.$€£¥/-])(?P<bare>(?:1[5-9]|[2-9]\d)(?:0[1-9]|1[0-2])\.\d{5}(?:v\d+)?)(?![\w%]|\.\d)|"
    rf"(?<![\w.-])(?:arxiv:\s?(?P<prefixed>{_ID})"
    rf"|10\.48550/arxiv\.(?P<doi>{_ID})"
    rf"|(?:www\.|export\.)?arxiv\.org/(?:{'|'.join(_ARXIV_KINDS)})/(?P<arxiv>{_ID})"
    r"|(?:www\.)?alphaxiv\.org/(?:[a-z]{2}(?:-[a-z]{2})?/)?"
    rf"(?:abs|overview|pdf|html)/(?P<alphaxiv>{_ID})"
    rf"|pdfs\.assets\.alphaxiv\.org/(?P<alphaxiv_pdf>{_ID})"
    rf"|(?:www\.)?(?:huggingface|hf)\.co/papers/(?P<hf>{_ID}))(?![\d])",
    re.I,
)
_FIND_GROUPS = ("bare", "prefixed", "doi", "arxiv", "alphaxiv", "alphaxiv_pdf", "hf")


@dataclass(frozen=True, slots=True)
class ArxivRef:
    """One arXiv paper: canonical id without version, and the version asked for (if any)."""

    arxiv_id: str
    version: int | None = None

    @property
    def versioned(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id

    @property
    def new_style(self) -> bool:
        return "/" not in self.arxiv_id


@dataclass(frozen=True, slots=True)
class KeywordQuery:
    """Free text to search for; whitespace folded, control characters and mass mentions defused."""

    text: str


PaperRef = ArxivRef | KeywordQuery


def parse_reference(text: str) -> PaperRef:
    """The paper a `/paper` argument names; BadReference (a user-facing message) when none.

    Accepts ids (`2401.08541v2`, `arXiv:2401.08541 [cs.CL]`, the stamp printed on arXiv PDFs,
    `hep-th/9901001`), arXiv DOIs (`10.48550/arXiv.2401.08541`, doi.org links), links to
    arxiv.org (abs/pdf/html/ps/src/tb), export.arxiv.org, alphaxiv.org (any language) and its
    PDF host, huggingface.co/hf.co papers, Slack's `<url|label>` wrapping, and otherwise
    keywords. Id-shaped text that cannot be an id (`2413.12345`, `hep-tj/9901001`) is an error
    rather than a keyword search, because it is almost always a typo.
    """
    stripped = text.strip()
    if not stripped:
        raise BadReference(lazy("Nothing to look up: {ask}.", ask=ASK))
    if len(stripped) > MAX_LENGTH:
        raise BadReference(lazy("That is too long; {ask}.", ask=ASK))
    visible = _CONTROL.sub("", normalize_ws(stripped)).strip()
    if not visible:
        raise BadReference(lazy("That input has no visible text; {ask}.", ask=ASK))
    return _parse_one(_unwrap(visible))


def parse_id(text: str) -> ArxivRef | None:
    """ArxivRef for a well-formed id; None when `text` is not id-shaped at all.

    Raises BadReference for id-shaped text that no arXiv id can have (month 13, a 4-digit
    number after 2014, a 3-digit one, version 0...), naming what is wrong.
    """
    candidate = text.strip()
    if _LOOKS_NEW.fullmatch(candidate):
        return _new_style(candidate)
    looks_old = _LOOKS_OLD.fullmatch(candidate)
    if looks_old and looks_old.group(1).lower() in OLD_ARCHIVES:
        return _old_style(candidate)
    return None


def find_references(text: str) -> list[ArxivRef]:
    """Papers linked or cited as `arXiv:<id>` in a chat message, first mention first, no repeats.

    A bare id counts only in the unambiguous 2015+ form `YYMM.NNNNN` (valid month, not part of
    a longer number, a price or a percentage): `1234.5678` in prose is a price or a version far
    more often than a paper, so 4-digit ids need a link or `arXiv:`. Malformed ids inside links
    are skipped silently (a message is not a command).
    Linear time in the message length (no nested quantifiers), so hostile input stays cheap.
    """
    found: dict[str, ArxivRef] = {}
    for match in _FIND.finditer(text):
        ref = _found(match)
        if ref is not None and ref.arxiv_id not in found:
            found[ref.arxiv_id] = ref
    return list(found.values())


# -- ids ---------------------------------------------------------------------------------------
def _bad(text: str, why: Text) -> BadReference:
    shown = sanitize(text[:40])
    return BadReference(
        lazy("{text} is not an arXiv id: {why}. {hint}.", text=shown, why=why, hint=HINT)
    )


def _version(raw: str | None, text: str) -> int | None:
    if raw is None:
        return None
    if int(raw) < 1:
        raise _bad(text, lazy("versions start at v1"))
    return int(raw)


def _new_style(text: str) -> ArxivRef:
    match = _NEW.fullmatch(text)
    if match is None:
        raise _bad(
            text, lazy("it needs 4 digits, a dot, 4 or 5 digits and optionally v and a number")
        )
    yy, mm, number, version = match.groups()
    if not 1 <= int(mm) <= 12:
        raise _bad(text, lazy("there is no month {month}", month=mm))
    if len(number) == 4 and not "0704" <= yy + mm <= "1412":
        raise _bad(text, lazy("ids with 4 digits after the dot run from 0704 (April 2007) to 1412"))
    if len(number) == 5 and int(yy) < 15:
        raise _bad(text, lazy("ids before 2015 have 4 digits after the dot"))
    if int(number) == 0:
        raise _bad(text, lazy("paper numbers start at 1"))
    return ArxivRef(f"{yy}{mm}.{number}", _version(version, text))


def _old_style(text: str) -> ArxivRef:
    match = _OLD.fullmatch(text)
    if match is None:
        raise _bad(text, lazy("old-style ids are an archive, a slash and 7 digits"))
    archive, yy, mm, number, version = match.groups()
    if not 1 <= int(mm) <= 12:
        raise _bad(text, lazy("there is no month {month}", month=mm))
    if not ("91" <= yy <= "99" or "00" <= yy + mm <= "0703"):
        raise _bad(text, lazy("old-style ids run from 1991 to March 2007"))
    if int(number) == 0:
        raise _bad(text, lazy("paper numbers start at 1"))
    return ArxivRef(f"{archive.lower()}/{yy}{mm}{number}", _version(version, text))


# -- one /paper argument -------------------------------------------------------------------------
def _unwrap(text: str) -> str:
    """Slack and Discord wrap links as `<url>` or `<url|label>`; mentions look alike: refused."""
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped is None:
        return text
    inner = wrapped.group(1).split("|", 1)[0].strip()
    if inner.startswith(("@", "#", "!")):
        raise BadReference(lazy("That is a mention, not a paper; {ask}.", ask=ASK))
    if not inner:
        raise BadReference(lazy("Nothing to look up: {ask}.", ask=ASK))
    return inner


def _parse_one(text: str) -> PaperRef:
    prefixed = _PREFIX.match(text)
    candidate = _STAMP.sub("", text[prefixed.end() :] if prefixed else text, count=1)
    ref = _strict_id(candidate.strip(_TRAILING))
    if ref is not None:
        return ref
    if prefixed:
        raise _bad(candidate or text, lazy("it does not have the shape of one"))
    if _ANY_DOI.fullmatch(text):
        return _parse_doi(text)
    if _looks_like_url(text):
        return _parse_url(text)
    return _keywords(text)


def _strict_id(text: str) -> ArxivRef | None:
    """parse_id, and an old-style id naming an archive arXiv never had is refused, not searched."""
    old = _OLD.fullmatch(text)
    if old and old.group(1).lower() not in OLD_ARCHIVES:
        raise _bad(text, lazy("arXiv has no archive named {name}", name=old.group(1)))
    return parse_id(text)


def _parse_doi(text: str) -> ArxivRef:
    doi = _ARXIV_DOI.fullmatch(text)
    if doi is None:
        raise BadReference(
            lazy("Paperboy reads arXiv DOIs (10.48550/arXiv.…) only; {ask}.", ask=ASK)
        )
    raw = doi.group("id").strip(_TRAILING)
    ref = parse_id(raw)
    if ref is None:
        raise _bad(raw, lazy("it does not have the shape of one"))
    return ref


def _looks_like_url(text: str) -> bool:
    if _SCHEME_URL.match(text):
        return True
    bare = _BARE_URL.match(text)
    return bare is not None and not any(c.isspace() for c in text) and bare.group(1) in _TLDS


def _parse_url(text: str) -> ArxivRef:
    url = text if "://" in text or _SCHEME_URL.match(text) else f"https://{text}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        raise BadReference(lazy("That link cannot be read; {ask}.", ask=ASK)) from None
    web = parts.scheme.lower() in ("http", "https")
    if web and host in DOI_HOSTS:
        return _parse_doi(unquote(parts.path).lstrip("/"))
    if not web or host not in SITES:
        raise BadReference(
            lazy(
                "Paperboy reads paper links from arxiv.org, alphaxiv.org and "
                "huggingface.co/papers, and arXiv DOIs, only; {ask}.",
                ask=ASK,
            )
        )
    ref = _ref_in_path(unquote(parts.path), host)
    if ref is None:
        raise BadReference(
            lazy("That {host} link does not point at one paper; {ask}.", host=host, ask=ASK)
        )
    return ref


def _ref_in_path(path: str, host: str) -> ArxivRef | None:
    segments = _paper_segments([segment for segment in path.split("/") if segment], host)
    for candidate in (segments[:1], segments[:2]):
        ref = parse_id(_FILE_SUFFIX.sub("", "/".join(candidate)))
        if ref is not None:
            return ref
    return None


def _paper_segments(segments: list[str], host: str) -> list[str]:
    """The path segments from the id on: after the kind (`abs`), and a language on alphaxiv."""
    if host in LANGUAGE_PREFIXED and len(segments) > 2 and _LANGUAGE.fullmatch(segments[0]):
        segments = segments[1:]
    kinds = SITES[host]
    if not kinds:
        return segments
    if len(segments) < 2 or segments[0].lower() not in kinds:
        return []
    return segments[1:]


def _keywords(text: str) -> KeywordQuery:
    folded = sanitize(normalize_ws(text))
    if not _WORD.search(folded):
        raise BadReference(lazy("There are no words to search for in that; {ask}.", ask=ASK))
    return KeywordQuery(folded)


# -- chat messages -------------------------------------------------------------------------------
def _found(match: re.Match[str]) -> ArxivRef | None:
    raw = next(match.group(name) for name in _FIND_GROUPS if match.group(name))
    try:
        return parse_id(raw)
    except BadReference:
        return None
