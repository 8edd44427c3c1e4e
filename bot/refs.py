"""What a `/paper` argument or a chat message names: an arXiv id, a paper link, or keywords.

Pure functions, no I/O. `parse_reference()` reads one `/paper` argument and either returns a
reference or raises `BadReference` whose message tells the user what to type instead.
`find_references()` picks the papers out of an ordinary chat message, deliberately strict:
only paper links and explicit `arXiv:` ids count, never a bare number that merely looks like
an id (prices, versions, decimals in prose).

Ids are canonical: the version is split off, old-style archives are lower case and the subject
class is dropped (`math.GT/0309136` is the citation form of `math/0309136`, the id the arXiv API
answers with), so the same paper always has the same key in Redis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.errors import BadReference
from bot.text import normalize_ws, sanitize

MAX_LENGTH = 300
HINT = "arXiv ids look like 2401.08541, 2401.08541v2 or hep-th/9901001"
ASK = "give an arXiv id, a link, or a few keywords"

# Archives that issued old-style ids (archive/YYMMNNN, 1991 to March 2007).
_ARCHIVE_NAMES = (
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas "
    "cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph mtrl-th nlin "
    "nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int supr-con"
)
OLD_ARCHIVES = frozenset(_ARCHIVE_NAMES.split())
# host -> the first path segments that lead to one paper on that site
SITES: dict[str, tuple[str, ...]] = {
    "arxiv.org": ("abs", "pdf", "html"),
    "export.arxiv.org": ("abs", "pdf", "html"),
    "alphaxiv.org": ("abs", "overview"),
    "huggingface.co": ("papers",),
    "hf.co": ("papers",),
}

_NEW = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})(?:v(\d+))?")
_OLD = re.compile(r"([a-z]+(?:-[a-z]+)?)(?:\.[a-z-]{2,8})?/(\d{2})(\d{2})(\d{3})(?:v(\d+))?", re.I)
_LOOKS_NEW = re.compile(r"\d{4}\.\d+(?:v\w*)?", re.I)
_LOOKS_OLD = re.compile(r"([a-z]+(?:-[a-z]+)?)(?:\.[\w-]*)?/\w+", re.I)
_PREFIX = re.compile(r"arxiv\s*:\s*", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SCHEME_URL = re.compile(r"[a-z][a-z0-9+.-]*://|(?:javascript|data|vbscript|file|mailto):", re.I)
_BARE_URL = re.compile(r"(?:[a-z0-9-]+\.)+([a-z]{2,})(?::\d+)?[/?#]", re.I)
# Lower-case top-level domains people paste without a scheme; `cs.AI/ML` is not a link.
_TLD_NAMES = "com org net io co ai edu dev app me info gov uk de jp kr cn fr ly gl to"
_TLDS = frozenset(_TLD_NAMES.split())
_WORD = re.compile(r"\w")
_WRAPPED = re.compile(r"<([^<>]*)>")
_TRAILING = ".,;:!?)]}'\""

_ID_NEW = r"\d{4}\.\d{4,5}(?:v\d+)?"
_ID_OLD = r"[a-z]+(?:-[a-z]+)?(?:\.[a-z-]{2,8})?/\d{7}(?:v\d+)?"
_FIND = re.compile(
    r"(?<![\w.$€£¥/-])(?P<bare>(?:1[5-9]|[2-9]\d)(?:0[1-9]|1[0-2])\.\d{5}(?:v\d+)?)(?![\w%]|\.\d)|"
    rf"(?<![\w.-])(?:arxiv:\s?(?P<pid>{_ID_NEW}|{_ID_OLD})"
    r"|(?:www\.|export\.)?(?P<host>arxiv\.org|alphaxiv\.org|huggingface\.co|hf\.co)"
    rf"/(?P<kind>abs|pdf|html|overview|papers)/(?P<uid>{_ID_NEW}|{_ID_OLD}))(?![\d])",
    re.I,
)


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

    Accepts ids (`2401.08541v2`, `arXiv:2401.08541`, `hep-th/9901001`), links to arxiv.org
    (abs/pdf/html), export.arxiv.org, alphaxiv.org and huggingface.co/hf.co papers, Slack's
    `<url|label>` wrapping, and otherwise keywords. Id-shaped text that cannot be an id
    (`2413.12345`) is an error rather than a keyword search, because it is almost always a typo.
    """
    stripped = text.strip()
    if not stripped:
        raise BadReference(f"Nothing to look up: {ASK}.")
    if len(stripped) > MAX_LENGTH:
        raise BadReference(f"That is too long; {ASK}.")
    visible = _CONTROL.sub("", normalize_ws(stripped)).strip()
    if not visible:
        raise BadReference(f"That input has no visible text; {ASK}.")
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
def _bad(text: str, why: str) -> BadReference:
    shown = sanitize(text[:40])
    return BadReference(f"{shown} is not an arXiv id: {why}. {HINT}.")


def _version(raw: str | None, text: str) -> int | None:
    if raw is None:
        return None
    if int(raw) < 1:
        raise _bad(text, "versions start at v1")
    return int(raw)


def _new_style(text: str) -> ArxivRef:
    match = _NEW.fullmatch(text)
    if match is None:
        raise _bad(text, "it needs 4 digits, a dot, 4 or 5 digits and optionally v and a number")
    yy, mm, number, version = match.groups()
    if not 1 <= int(mm) <= 12:
        raise _bad(text, f"there is no month {mm}")
    if len(number) == 4 and not "0704" <= yy + mm <= "1412":
        raise _bad(text, "ids with 4 digits after the dot run from 0704 (April 2007) to 1412")
    if len(number) == 5 and int(yy) < 15:
        raise _bad(text, "ids before 2015 have 4 digits after the dot")
    if int(number) == 0:
        raise _bad(text, "paper numbers start at 1")
    return ArxivRef(f"{yy}{mm}.{number}", _version(version, text))


def _old_style(text: str) -> ArxivRef:
    match = _OLD.fullmatch(text)
    if match is None:
        raise _bad(text, "old-style ids are an archive, a slash and 7 digits")
    archive, yy, mm, number, version = match.groups()
    if not 1 <= int(mm) <= 12:
        raise _bad(text, f"there is no month {mm}")
    if not ("91" <= yy <= "99" or "00" <= yy + mm <= "0703"):
        raise _bad(text, "old-style ids run from 1991 to March 2007")
    if int(number) == 0:
        raise _bad(text, "paper numbers start at 1")
    return ArxivRef(f"{archive.lower()}/{yy}{mm}{number}", _version(version, text))


# -- one /paper argument -------------------------------------------------------------------------
def _unwrap(text: str) -> str:
    """Slack and Discord wrap links as `<url>` or `<url|label>`; mentions look alike: refused."""
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped is None:
        return text
    inner = wrapped.group(1).split("|", 1)[0].strip()
    if inner.startswith(("@", "#", "!")):
        raise BadReference(f"That is a mention, not a paper; {ASK}.")
    if not inner:
        raise BadReference(f"Nothing to look up: {ASK}.")
    return inner


def _parse_one(text: str) -> PaperRef:
    prefixed = _PREFIX.match(text)
    candidate = text[prefixed.end() :] if prefixed else text
    ref = parse_id(candidate.strip(_TRAILING))
    if ref is not None:
        return ref
    if prefixed:
        raise _bad(candidate or text, "it does not have the shape of one")
    if _looks_like_url(text):
        return _parse_url(text)
    return _keywords(text)


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
        raise BadReference(f"That link cannot be read; {ASK}.") from None
    kinds = SITES.get(host) if parts.scheme.lower() in ("http", "https") else None
    if kinds is None:
        raise BadReference(
            "Paperboy reads paper links from arxiv.org, alphaxiv.org and huggingface.co/papers "
            f"only; {ASK}."
        )
    ref = _ref_in_path(unquote(parts.path), kinds)
    if ref is None:
        raise BadReference(f"That {host} link does not point at one paper; {ASK}.")
    return ref


def _ref_in_path(path: str, kinds: tuple[str, ...]) -> ArxivRef | None:
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < 2 or segments[0].lower() not in kinds:
        return None
    for candidate in (segments[1], "/".join(segments[1:3])):
        ref = parse_id(candidate.removesuffix(".pdf"))
        if ref is not None:
            return ref
    return None


def _keywords(text: str) -> KeywordQuery:
    folded = sanitize(normalize_ws(text))
    if not _WORD.search(folded):
        raise BadReference(f"There are no words to search for in that; {ASK}.")
    return KeywordQuery(folded)


# -- chat messages -------------------------------------------------------------------------------
def _found(match: re.Match[str]) -> ArxivRef | None:
    host = match.group("host")
    if host is not None and match.group("kind").lower() not in SITES[host.lower()]:
        return None
    raw = match.group("bare") or match.group("pid") or match.group("uid")
    try:
        return parse_id(raw)
    except BadReference:
        return None
