"""A loopback arxiv.org: `GET /html/<id>v<n>` (LaTeXML pages) and `GET /pdf/<id>v<n>` (PDFs).

The pages follow the markup arXiv's LaTeXML conversion produces (checked against real pages'
markup): `article.ltx_document` with `h1.ltx_title_document`, `div.ltx_authors`, `div.ltx_abstract`,
`section.ltx_section` / `section.ltx_subsection` whose `h2/h3.ltx_title` starts with a
`span.ltx_tag`, `div.ltx_para > p.ltx_p`, inline `math.ltx_Math` carrying the TeX in `alttext`
(MathML inside), `table.ltx_equation`, `figure.ltx_table` (figcaption + `table.ltx_tabular` of
`tr.ltx_tr`/`td.ltx_td`), `figure.ltx_figure` with `img.ltx_graphics`, `section.ltx_bibliography`
(`li.ltx_bibitem`), and the page chrome (`nav.ltx_page_navbar`, `footer.ltx_page_footer`).
PDFs are real documents made with fpdf2. A paper without HTML answers 404 on /html like arXiv
does; `huge` pages stream that many bytes without a Content-Length.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiohttp import web
from fpdf import FPDF

from tests.fakes.server import LoopbackServer

EQUATION = r"L=-\sum_t \log p(x_t)"


@dataclass(frozen=True)
class Table:
    label: str  # "Table 3"
    caption: str
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    number: str  # "4.2"
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    figures: tuple[tuple[str, str], ...] = ()  # (label, caption)
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class WebPaper:
    title: str
    abstract: str
    sections: tuple[Section, ...]
    references: tuple[str, ...] = ()
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing")


def _math(tex: str) -> str:
    return (
        f'<math class="ltx_Math" alttext="{html.escape(tex)}" display="inline"><semantics>'
        f"<mi>{html.escape(tex[:1])}</mi>"
        f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
        "</semantics></math>"
    )


def _paragraph(text: str, pid: str) -> str:
    """`$tex$` in text becomes inline LaTeXML math; `[n]` a citation."""
    parts = text.split("$")
    body = "".join(_math(p) if i % 2 else html.escape(p) for i, p in enumerate(parts))
    body = body.replace(
        "[1]",
        '<cite class="ltx_cite ltx_citemacro_cite">[<a href="#bib.bib1" class="ltx_ref">1</a>]</cite>',
    )
    return f'<div id="{pid}" class="ltx_para"><p class="ltx_p">{body}</p></div>'


def _table(table: Table, tid: str) -> str:
    head, *rows = table.rows
    cells = "".join(f'<th class="ltx_td ltx_th ltx_th_column">{html.escape(c)}</th>' for c in head)
    body = "".join(
        '<tr class="ltx_tr">'
        + "".join(f'<td class="ltx_td ltx_align_center">{html.escape(c)}</td>' for c in row)
        + "</tr>"
        for row in rows
    )
    return (
        f'<figure id="{tid}" class="ltx_table"><figcaption class="ltx_caption ltx_centering">'
        f'<span class="ltx_tag ltx_tag_table">{table.label}: </span>{html.escape(table.caption)}'
        f'</figcaption><table class="ltx_tabular ltx_centering ltx_align_middle">'
        f'<thead class="ltx_thead"><tr class="ltx_tr">{cells}</tr></thead>'
        f'<tbody class="ltx_tbody">{body}</tbody></table></figure>'
    )


def _figure(label: str, caption: str, fid: str) -> str:
    return (
        f'<figure id="{fid}" class="ltx_figure"><img src="x1.png" class="ltx_graphics ltx_centering"'
        ' width="598" height="227" alt="Refer to caption">'
        f'<figcaption class="ltx_caption ltx_centering"><span class="ltx_tag ltx_tag_figure">'
        f"{label}: </span>{html.escape(caption)}</figcaption></figure>"
    )


def _section(section: Section, depth: int = 0) -> str:
    sid = "S" + ".SS".join(section.number.split("."))
    kind, h = ("ltx_section", "h2") if depth == 0 else ("ltx_subsection", "h3")
    parts = [
        f'<section id="{sid}" class="{kind}"><{h} class="ltx_title ltx_title_{kind[4:]}">'
        f'<span class="ltx_tag ltx_tag_{kind[4:]}">{section.number} </span>'
        f"{html.escape(section.title)}</{h}>"
    ]
    parts += [_paragraph(p, f"{sid}.p{i}") for i, p in enumerate(section.paragraphs, 1)]
    if section.paragraphs:  # an equation inside a paragraph, as LaTeXML nests display math
        parts.append(
            '<div class="ltx_para"><table class="ltx_equation ltx_eqn_table"><tbody>'
            '<tr class="ltx_equation ltx_eqn_row"><td class="ltx_eqn_cell ltx_align_center">'
            + _math(EQUATION)
            + "</td>"
            '<td class="ltx_eqn_cell ltx_eqn_eqno"><span class="ltx_tag ltx_tag_equation">(1)'
            "</span></td></tr></tbody></table></div>"
        )
    parts += [_table(t, f"{sid}.T{i}") for i, t in enumerate(section.tables, 1)]
    parts += [
        _figure(label, cap, f"{sid}.F{i}") for i, (label, cap) in enumerate(section.figures, 1)
    ]
    parts += [_section(sub, depth + 1) for sub in section.subsections]
    return "".join(parts) + "</section>"


def latexml_page(paper: WebPaper) -> str:
    """The HTML arXiv serves for `paper`, chrome and bibliography included."""
    authors = "".join(
        f'<span class="ltx_creator ltx_role_author"><span class="ltx_personname">{html.escape(a)}'
        "</span></span>"
        for a in paper.authors
    )
    refs = "".join(
        f'<li id="bib.bib{i}" class="ltx_bibitem"><span class="ltx_tag ltx_tag_bibitem">[{i}]'
        f'</span><span class="ltx_bibblock">{html.escape(r)}</span></li>'
        for i, r in enumerate(paper.references, 1)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(paper.title)}</title></head><body>"
        '<nav class="ltx_page_navbar"><nav class="ltx_TOC"><ol class="ltx_toclist">'
        '<li class="ltx_tocentry"><a href="#S1">1 Introduction (table of contents)</a></li>'
        '</ol></nav></nav><div class="ltx_page_main"><div class="ltx_page_content">'
        '<article class="ltx_document ltx_authors_1line">'
        f'<h1 class="ltx_title ltx_title_document">{html.escape(paper.title)}</h1>'
        f'<div class="ltx_authors">{authors}</div>'
        '<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>'
        f'<p class="ltx_p">{html.escape(paper.abstract)}</p></div>'
        + "".join(_section(s) for s in paper.sections)
        + '<section id="bib" class="ltx_bibliography"><h2 class="ltx_title '
        f'ltx_title_bibliography">References</h2><ul class="ltx_biblist">{refs}</ul></section>'
        "</article></div>"
        '<footer class="ltx_page_footer"><div class="ltx_page_logo">Generated by LaTeXML</div>'
        "</footer></div></body></html>"
    )


def pdf_document(paper: WebPaper) -> bytes:
    """A real PDF of `paper` (fpdf2, core fonts): title, abstract, numbered sections, references."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)

    def line(text: str, *, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 11)
        pdf.multi_cell(0, 6, text.replace("$", ""), new_x="LMARGIN", new_y="NEXT")

    line(paper.title, bold=True)
    line("Abstract", bold=True)
    line(paper.abstract)

    def section(sec: Section) -> None:
        line(f"{sec.number} {sec.title}", bold=True)
        for paragraph in sec.paragraphs:
            line(paragraph)
        for table in sec.tables:
            line(f"{table.label}: {table.caption}")
            for row in table.rows:
                line("  ".join(row))
        for sub in sec.subsections:
            section(sub)

    for sec in paper.sections:
        section(sec)
    line("References", bold=True)
    for ref in paper.references:
        line(ref)
    return bytes(pdf.output())


class FakeArxivWeb(LoopbackServer):
    """`html` / `pdf` map `<id>v<n>` to a page; `huge` maps it to a streamed size in bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.html: dict[str, str] = {}
        self.pdf: dict[str, bytes] = {}
        self.huge: dict[str, int] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/html/{ref}", self._html)
        app.router.add_get("/pdf/{ref}", self._pdf)

    async def _html(self, request: web.Request) -> web.StreamResponse:
        ref = request.match_info["ref"]
        if ref in self.huge:
            return await _stream(request, self.huge[ref])
        page = self.html.get(ref)
        if page is None:  # arXiv's answer for a paper without an HTML rendering
            return web.Response(status=404, text=f"No HTML for '{ref}'", content_type="text/html")
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    async def _pdf(self, request: web.Request) -> web.StreamResponse:
        document = self.pdf.get(request.match_info["ref"])
        if document is None:
            return web.Response(status=404, text="Not Found", content_type="text/html")
        return web.Response(body=document, content_type="application/pdf")


async def _stream(request: web.Request, size: int) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = b'<div class="ltx_para"><p class="ltx_p">' + b"filler text " * 5000 + b"</p></div>"
    sent = 0
    try:
        while sent < size:
            await response.write(chunk)
            sent += len(chunk)
    except (ConnectionResetError, RuntimeError):
        return response  # the client stopped reading, as it should past its limit
    await response.write_eof()
    return response
