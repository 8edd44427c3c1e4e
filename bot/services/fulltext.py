"""A paper's full text from arxiv.org: its LaTeXML HTML, else its PDF, parsed and cached.

Only `web_url` (arxiv.org, a setting) is fetched, redirects included: a redirect elsewhere is
refused. Every request takes the deployment-wide arXiv slot (`keys.ARXIV_PACING`, shared with
the API client) and is retried on 429/5xx honouring `Retry-After`. A download is streamed and
stopped as soon as it passes `max_bytes`, and the whole of it, retries included, must finish
within `timeout` (httpx's timeouts are per read, so a page trickling in would never end).

HTML is read with selectolax (LaTeXML classes: `ltx_section`/`ltx_subsection`/… and their
`ltx_title`, `ltx_para`, `ltx_table`, `ltx_figure` with `figcaption`, `ltx_Math` whose `alttext`
is the TeX); the bibliography, footnotes and page navigation are dropped. PDFs are read with
pypdf, cut into sections at numbered headings. The parsed text is cached in Redis per
(id, version) as zlib-compressed JSON for `cache_ttl` seconds, so one paper costs arXiv one
download per TTL however many questions it gets.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import zlib
from collections.abc import Iterator
from typing import Literal
from urllib.parse import urljoin

import httpx
import pypdf
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis
from selectolax.lexbor import LexborHTMLParser, LexborNode
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from bot import keys
from bot.errors import PaperNotFound, UpstreamError
from bot.i18n import lazy
from bot.services.http import MAX_BACKOFF, RETRY_STATUSES, RetryableStatusError
from bot.services.http import retry_after_seconds as _retry_after
from bot.services.ratelimit import SharedInterval
from bot.text import normalize_ws

log = logging.getLogger(__name__)

BlockKind = Literal["text", "table", "figure"]
_SECTIONS = ("ltx_section", "ltx_subsection", "ltx_subsubsection", "ltx_appendix")
_DROP = (
    ".ltx_bibliography, nav, header, footer, script, style, .ltx_page_navbar, .ltx_page_header,"
    " .ltx_page_footer, .ltx_authors, .ltx_dates, .ltx_note, .ltx_TOC, .ltx_ERROR"
)
_UNITS = ".ltx_abstract, .ltx_para, figure.ltx_table, figure.ltx_figure"
_CELLS = "td, th, .ltx_td"
_PDF_HEADING = re.compile(
    r"^(?P<num>(?:\d{1,2}(?:\.\d{1,2}){0,2}|[A-H](?:\.\d{1,2}){0,2}))\.?\s+"
    r"(?P<title>[A-Z][A-Za-z][^.!?]{1,70})$"
)
_PDF_NAMED = re.compile(r"^(Abstract|Introduction|Conclusions?|Limitations|Acknowl?edge?ments?)$")
_PDF_END = re.compile(r"^(References|Bibliography)$")
_MAX_REDIRECTS = 3


class Block(BaseModel):
    """One paragraph, table or figure caption with the section it sits in ("4.2 Results")."""

    model_config = ConfigDict(frozen=True)

    section: str
    text: str
    kind: BlockKind = "text"
    label: str | None = None  # "Table 3", "Figure 2"


class FullText(BaseModel):
    """A paper's readable text in document order; `source` says which rendering it came from."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    version: int | None
    source: Literal["html", "pdf"]
    title: str = ""
    blocks: tuple[Block, ...]

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(block.section for block in self.blocks))


class TooLarge(UpstreamError):
    """The page passed the size limit before it ended."""


# -- parsing ------------------------------------------------------------------------------------
def parse_html(html: bytes | str, arxiv_id: str, version: int | None) -> FullText:
    """Blocks of a LaTeXML page; UpstreamError when it holds no readable text."""
    tree = LexborHTMLParser(html)
    for node in tree.css(_DROP):
        node.decompose()
    for math in tree.css("math"):
        math.replace_with(f" {math.attributes.get('alttext') or math.text()} ")
    title_node = tree.css_first(".ltx_title_document")
    blocks = [block for node in _units(tree) if (block := _block(node)) is not None]
    if not blocks:
        raise UpstreamError(
            lazy("arXiv's HTML of {paper} holds no text Paperboy can read", paper=arxiv_id)
        )
    title = normalize_ws(title_node.text()) if title_node else ""
    return FullText(
        arxiv_id=arxiv_id, version=version, source="html", title=title, blocks=tuple(blocks)
    )


def _units(tree: LexborHTMLParser) -> Iterator[LexborNode]:
    """Paragraphs, tables and figures in document order, each once (outermost wins)."""
    for node in _unique(tree.css(_UNITS)):
        if not _inside(node, ("ltx_table", "ltx_figure", "ltx_abstract")):
            yield node


def _classes(node: LexborNode) -> list[str]:
    return (node.attributes.get("class") or "").split()


def _inside(node: LexborNode, classes: tuple[str, ...]) -> bool:
    parent = node.parent
    while parent is not None:
        if any(c in classes for c in _classes(parent)):
            return True
        parent = parent.parent
    return False


def _block(node: LexborNode) -> Block | None:
    classes = _classes(node)
    section = _section_path(node)
    if "ltx_table" in classes:
        return _figure_block(node, section, "table")
    if "ltx_figure" in classes:
        return _figure_block(node, section, "figure")
    if "ltx_abstract" in classes:
        text = normalize_ws(" ".join(p.text() for p in node.css("p")))
        return Block(section="Abstract", text=text) if text else None
    text = normalize_ws(" ".join(_text_outside_figures(node)))
    return Block(section=section, text=text) if text else None


def _text_outside_figures(node: LexborNode) -> Iterator[str]:
    for child in node.iter(include_text=True):
        if child.tag != "figure":
            yield child.text()


def _section_path(node: LexborNode) -> str:
    """The innermost numbered section's heading, e.g. "4.2 Results" (else the document)."""
    parent = node.parent
    while parent is not None:
        if any(c in _SECTIONS for c in _classes(parent)):
            heading = parent.css_first(".ltx_title")
            if heading is not None:
                return normalize_ws(heading.text())
        parent = parent.parent
    return "Front matter"


def _figure_block(node: LexborNode, section: str, kind: BlockKind) -> Block | None:
    caption_node = next((c for c in node.iter() if c.tag == "figcaption"), None)
    caption = normalize_ws(caption_node.text()) if caption_node else ""
    tag = caption_node.css_first(".ltx_tag") if caption_node else None
    label = normalize_ws(tag.text()).rstrip(":.") if tag else None
    rows = [_row_text(row) for row in _unique(node.css("tr, .ltx_tr"))] if kind == "table" else []
    text = "\n".join(part for part in [caption, *rows] if part)
    return Block(section=section, text=text, kind=kind, label=label or None) if text else None


def _row_text(row: LexborNode) -> str:
    return " | ".join(normalize_ws(cell.text()) for cell in _unique(row.css(_CELLS)))


def _unique(nodes: list[LexborNode]) -> list[LexborNode]:
    """Nodes once each: selectolax returns a node once per selector of a list that it matches."""
    return list({node.mem_id: node for node in nodes}.values())


def parse_pdf(data: bytes, arxiv_id: str, version: int | None) -> FullText:
    """Blocks of a PDF, one per section found at numbered headings; references dropped."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    except (pypdf.errors.PyPdfError, ValueError, KeyError) as exc:
        log.warning("unreadable PDF of %s: %s", arxiv_id, exc)
        raise UpstreamError(lazy("arXiv's PDF of {paper} cannot be read", paper=arxiv_id)) from None
    blocks = list(_pdf_blocks(lines))
    if not blocks:
        raise UpstreamError(
            lazy("arXiv's PDF of {paper} holds no text Paperboy can read", paper=arxiv_id)
        )
    return FullText(arxiv_id=arxiv_id, version=version, source="pdf", blocks=tuple(blocks))


def _pdf_blocks(lines: list[str]) -> Iterator[Block]:
    section, body = "Front matter", []
    for line in lines:
        if _PDF_END.match(line):
            break
        heading = _PDF_HEADING.match(line) or _PDF_NAMED.match(line)
        if heading is None:
            body.append(line)
            continue
        if text := normalize_ws(" ".join(body)):
            yield Block(section=section, text=text)
        section, body = normalize_ws(line), []
    if text := normalize_ws(" ".join(body)):
        yield Block(section=section, text=text)


# -- the cache ----------------------------------------------------------------------------------
def pack(text: FullText) -> bytes:
    return zlib.compress(text.model_dump_json().encode(), level=6)


def unpack(blob: bytes) -> FullText:
    return FullText.model_validate_json(zlib.decompress(blob))


# -- fetching -----------------------------------------------------------------------------------
class FullTextFetcher:
    """`get(id, version)`: the parsed full text, from Redis or from arxiv.org (HTML, else PDF)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        redis: Redis,
        *,
        web_url: str,
        min_interval: float = 3.0,
        max_bytes: int = 30_000_000,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        cache_ttl: float = 30 * 86400,
    ) -> None:
        self._http = http
        self._redis = redis
        self._base = web_url.rstrip("/")
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._ttl = max(1, int(cache_ttl))
        self._pacing = SharedInterval(redis, keys.ARXIV_PACING, min_interval)

    async def get(self, arxiv_id: str, version: int | None) -> FullText:
        """Cached text, else downloaded and parsed; PaperNotFound / UpstreamError say why not."""
        key = keys.fulltext(arxiv_id, version)
        blob = await self._redis.get(key)
        if blob is not None:
            return unpack(blob)
        text = await self._download_and_parse(arxiv_id, version)
        await self._redis.set(key, pack(text), ex=self._ttl)
        return text

    async def _download_and_parse(self, arxiv_id: str, version: int | None) -> FullText:
        ref = f"{arxiv_id}v{version}" if version else arxiv_id
        try:
            async with asyncio.timeout(self._timeout):
                html = await self._download(f"{self._base}/html/{ref}", arxiv_id)
                pdf = (
                    None
                    if html is not None
                    else await self._download(f"{self._base}/pdf/{ref}", arxiv_id)
                )
        except TimeoutError:
            raise UpstreamError(
                lazy(
                    "arXiv did not send the full text of {paper} in time; try again later",
                    paper=ref,
                )
            ) from None
        if html is not None:
            return await asyncio.to_thread(parse_html, html, arxiv_id, version)
        if pdf is not None:
            return await asyncio.to_thread(parse_pdf, pdf, arxiv_id, version)
        raise PaperNotFound(
            lazy("arXiv has no full text of {paper} (neither HTML nor PDF).", paper=ref)
        )

    async def _download(self, url: str, arxiv_id: str) -> bytes | None:
        """The body at `url`; None on 404/410; retried on 429/5xx and network errors."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type((RetryableStatusError, httpx.TransportError)),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._get_once(url)
        except RetryableStatusError as exc:
            code = exc.response.status_code
            raise UpstreamError(
                lazy(
                    "{service} is not answering right now (HTTP {code}); try again in a few minutes",
                    service="arXiv",
                    code=str(code),
                )
            ) from None
        except httpx.TransportError:
            raise UpstreamError(
                lazy("{service} cannot be reached right now; try again later", service="arxiv.org")
            ) from None
        raise AssertionError(
            "unreachable: tenacity either returns or re-raises"
        )  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff raised to `Retry-After`, as `bot.services.http` waits."""
        delay = min(MAX_BACKOFF, self._backoff * 2.0 ** (state.attempt_number - 1))
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableStatusError):
            asked = _retry_after(error.response.headers.get("Retry-After"))
            delay = max(delay, min(asked or 0.0, MAX_BACKOFF))
        return delay

    async def _get_once(self, url: str) -> bytes | None:
        for _ in range(_MAX_REDIRECTS + 1):
            await self._pacing.wait()
            async with self._http.stream("GET", url, follow_redirects=False) as response:
                if response.is_redirect:
                    url = self._same_site(url, response.headers.get("Location", ""))
                    continue
                return await self._body(response)
        raise UpstreamError(lazy("arxiv.org redirected too many times; try again later"))

    def _same_site(self, url: str, location: str) -> str:
        target = urljoin(url, location)
        if not target.startswith(f"{self._base}/"):
            raise UpstreamError(
                lazy("arxiv.org redirected elsewhere; Paperboy only reads arxiv.org")
            )
        return target

    async def _body(self, response: httpx.Response) -> bytes | None:
        if response.status_code in (404, 410):
            return None
        if response.status_code in RETRY_STATUSES:
            await response.aread()
            raise RetryableStatusError(response)
        if response.status_code != 200:
            raise UpstreamError(
                lazy("arXiv refused the full text (HTTP {code})", code=str(response.status_code))
            )
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > self._max_bytes:
            raise self._too_large()
        return await self._read_capped(response)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> TooLarge:
        limit = self._max_bytes / 1_000_000
        return TooLarge(f"This paper's full text is larger than Paperboy reads ({limit:g} MB).")
