"""Text hygiene for everything Paperboy shows: LaTeX, whitespace, mentions, sentences, splitting.

Two kinds of text, two functions, both idempotent (applying one twice changes nothing):

- `clean_tex()` is for what arXiv and Hugging Face send (titles, abstracts, author names): simple
  LaTeX becomes readable Unicode, then `clean()`. Sources call it once, when a Paper is made.
- `clean()` is for everything else, and for every string at display: whitespace folded, control
  and bidi characters stripped, every mention defused. It never touches LaTeX, so LLM output
  (`costs $5 on A100 and $8 on H100`, `~50%`) and user input keep their dollars and tildes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from pylatexenc import latex2text, latexwalker, macrospec

if TYPE_CHECKING:
    from bot.domain import Paper

# -- LaTeX from arXiv and Hugging Face ------------------------------------------------------------
# pylatexenc renders LaTeX well but reads the whole text as LaTeX: a plain `%` would start a
# comment that swallows the rest of the abstract, `&` would vanish as an alignment tab and a
# price like `$5 and $10` would become math. So only the LaTeX *islands* of a text are handed to
# it (math spans, commands with their arguments, accents), with `%`, `&` and `#` escaped inside
# them, and everything between islands stays as written. That also makes the conversion
# idempotent: its output holds no island (no backslash, no math span) for a second pass to change.

_URL = r"https?://[^\s<>{}\"]+"
# `$...$` is math when it hugs its content (`$x$`, not `$5 and $`); see `_is_price` too.
_INLINE_MATH = r"(?<![\\$])\$(?=[^\s$])(?:[^$\\]|\\.){1,400}?(?<=[^\s\\])\$(?!\$)"
_ISLAND = re.compile(
    rf"(?P<url>{_URL})"
    r"|(?P<math>\$\$[^$]{1,400}\$\$|" + _INLINE_MATH + r"|\\\((?:.|\n){1,400}?\\\))"
    r"|(?P<accent>\\['\"`^~=.][A-Za-z]|\\['\"`^~=.]?\{)"
    r"|(?P<command>\\(?:[A-Za-z]+\*?|[^A-Za-z\s]))"
    r"|(?P<group>\{(?=\\))"
    r"|(?P<quote>``(?P<quoted>[^`']{1,300})'')"
    r"|(?P<dash>(?<![-<!])---?(?![->]))"
    r"|(?P<tie>(?<=[\w.,;:)])~(?=[\w\\$(]))"
)
_ESCAPE_IN_ISLAND = re.compile(r"(?<!\\)([%&#])")
_SCRIPT_GROUP = re.compile(r"([_^])\{([^{}]*)\}")
# pylatexenc drops the space after a control word (`$x \in \mathbb{R}$` -> `x ∈ℝ`), as TeX does;
# a control space (`\ `) keeps the space the author typed; operators get the space TeX gives them.
_WORD_THEN_SPACE = re.compile(r"(\\[A-Za-z]+) ")
_GLUED_OPERATOR = re.compile(r"(?<=[A-Za-z0-9])(?=\\(?:log|exp|max|min|sup|inf|lim|det)\b)")
_DASHES = {"--": "–", "---": "—"}


def _arg_text(node: latexwalker.LatexNode | None, l2t: latex2text.LatexNodes2Text) -> str:
    return l2t.nodelist_to_text([node]).strip() if node is not None else ""


def _args(node: latexwalker.LatexMacroNode) -> list[latexwalker.LatexNode | None]:
    return list(node.nodeargd.argnlist) if node.nodeargd and node.nodeargd.argnlist else []


def _wrapped(text: str) -> str:
    """`a+b` -> `(a+b)`, `2` -> `2`: parentheses only where a fraction or root needs them."""
    return text if re.fullmatch(r"[\w.]+", text) else f"({text})"


def _fraction(node: latexwalker.LatexMacroNode, l2tobj: latex2text.LatexNodes2Text) -> str:
    args = _args(node)[-2:]
    if len(args) < 2:
        return ""
    return f"{_wrapped(_arg_text(args[0], l2tobj))}/{_wrapped(_arg_text(args[1], l2tobj))}"


def _root(node: latexwalker.LatexMacroNode, l2tobj: latex2text.LatexNodes2Text) -> str:
    args = _args(node)
    degree = _arg_text(args[0], l2tobj) if len(args) > 1 else ""
    mark = {"3": "∛", "4": "∜"}.get(degree, "√")
    return mark + _wrapped(_arg_text(args[-1], l2tobj)) if args else mark


def _last_arg(node: latexwalker.LatexMacroNode, l2tobj: latex2text.LatexNodes2Text) -> str:
    args = _args(node)
    return _arg_text(args[-1], l2tobj) if args else ""


def _verbatim_arg(node: latexwalker.LatexMacroNode) -> str:
    args = _args(node)
    return args[-1].latex_verbatim().strip("{}") if args and args[-1] is not None else ""


Repl = str | Callable[..., str]
_MACROS: dict[str, tuple[str, Repl]] = {
    # name: (walker argument spec, text)
    "frac": ("{{", _fraction),
    "tfrac": ("{{", _fraction),
    "dfrac": ("{{", _fraction),
    "sqrt": ("[{", _root),
    "href": ("{{", _last_arg),
    "url": ("{", _verbatim_arg),
    "texttt": ("{", _last_arg),
    "textsf": ("{", _last_arg),
    "cite": ("[{", ""),
    "citep": ("[{", ""),
    "citet": ("[{", ""),
    "footnote": ("{", ""),
    "ref": ("{", ""),
    "eqref": ("{", ""),
    "LaTeX": ("", "LaTeX"),
    "TeX": ("", "TeX"),
    "checkmark": ("", "✓"),
    "bot": ("", "⊥"),
    "S": ("", "§"),
    "arg": ("", "arg"),
    "argmax": ("", "argmax"),
    "argmin": ("", "argmin"),
    "textasciitilde": ("", "~"),
    "textbackslash": ("", "\\"),
}


def _contexts() -> tuple[macrospec.LatexContextDb, macrospec.LatexContextDb]:
    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "paperboy",
        prepend=True,
        macros=[macrospec.MacroSpec(n, a) for n, (a, _) in _MACROS.items()],
    )
    text_db = latex2text.get_default_latex_context_db()
    text_db.add_context_category(
        "paperboy",
        prepend=True,
        macros=[latex2text.MacroTextSpec(n, simplify_repl=r) for n, (_, r) in _MACROS.items()],
    )
    return walker_db, text_db


_WALKER_DB, _TEXT_DB = _contexts()
_TO_TEXT = latex2text.LatexNodes2Text(
    math_mode="text", latex_context=_TEXT_DB, strict_latex_spaces="based-on-source"
)


def _script_group(match: re.Match[str]) -> str:
    body = match.group(2)
    return match.group(1) + (body if re.fullmatch(r"\w", body) else f"({body})")


def _render(latex: str) -> str:
    """One LaTeX island as text; an island pylatexenc cannot parse is shown as written."""
    escaped = _ESCAPE_IN_ISLAND.sub(r"\\\1", latex)
    escaped = _GLUED_OPERATOR.sub(r"\\ ", _WORD_THEN_SPACE.sub(r"\1\\ ", escaped))
    for _ in range(3):  # x^{t-1}, nested at most a few levels deep
        escaped = _SCRIPT_GROUP.sub(_script_group, escaped)
    try:
        nodes = latexwalker.LatexWalker(escaped, latex_context=_WALKER_DB, tolerant_parsing=True)
        return str(_TO_TEXT.nodelist_to_text(nodes.get_latex_nodes()[0]))
    except (latexwalker.LatexWalkerError, IndexError, ValueError):
        return latex.replace("\\", "")


def _balanced_end(text: str, start: int) -> int:
    """Index after the `{...}` group opening at `start`; len(text) when it never closes."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{" and text[index - 1] != "\\":
            depth += 1
        elif char == "}" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _command_end(text: str, end: int) -> int:
    """Extend a command island over its `[...]` and `{...}` arguments."""
    while end < len(text) and text[end] in "[{":
        if text[end] == "[":
            close = text.find("]", end)
            if close < 0:
                break
            end = close + 1
        else:
            end = _balanced_end(text, end)
    return end


def _island_end(text: str, match: re.Match[str]) -> int:
    kind = match.lastgroup
    if kind == "group" or (kind == "accent" and match.group().endswith("{")):
        return _balanced_end(text, match.end() - 1)
    if kind == "command":
        return _command_end(text, match.end())
    return match.end()


def _island_text(text: str, match: re.Match[str], end: int) -> str:
    kind = match.lastgroup
    if kind == "url":
        return match.group()
    if kind == "quote":
        return f"“{match.group('quoted')}”"
    if kind == "dash":
        return _DASHES[match.group()]
    if kind == "tie":
        return " "
    return _render(text[match.start() : end])


def _is_price(text: str, match: re.Match[str]) -> bool:
    """`$5-$10`: a "math span" with no TeX in it, right before a digit, is two prices."""
    follows = text[match.end() : match.end() + 1]
    return follows.isdigit() and not any(mark in match.group() for mark in "\\^_{")


def latex_to_text(text: str) -> str:
    """The simple LaTeX of arXiv text as readable Unicode; text outside LaTeX is left alone."""
    if not any(mark in text for mark in "\\$`-~"):
        return text
    out: list[str] = []
    position = 0
    while match := _ISLAND.search(text, position):
        if match.lastgroup == "math" and _is_price(text, match):
            out.append(text[position : match.start() + 1])
            position = match.start() + 1
            continue
        end = _island_end(text, match)
        out.append(text[position : match.start()])
        out.append(_island_text(text, match, end))
        position = end
    out.append(text[position:])
    return unicodedata.normalize("NFC", "".join(out))


# -- mentions and invisible characters --------------------------------------------------------------
# C0/C1 controls (tab and newlines are whitespace, folded later) and bidi overrides, which can
# reorder what a reader sees.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_ZWSP = "\u200b"
_AT = "@\uff20\ufe6b"  # @, full-width ＠, small ＠: all read as an at sign
# `<!channel>`, `<!here|here>`, `<!subteam^S1>`, `<@U1>`, `<@W1>`, `<@&1>`, `<@!1>`, `<#C1>`
_ANGLE_MENTION = re.compile(r"<(?=[!@#])")
# An at sign that starts a word: `@everyone`, `@here`, `＠channel`, `@еveryone` (Cyrillic е), `@U1`.
# Defusing every one of them, whatever script follows, needs no table of lookalikes.
_AT_MENTION = re.compile(rf"(?<!\w)([{_AT}])(?=[\w&!])")
# Mass mentions glued to a word (`hi@everyone`): Discord pings them too.
_GLUED_MASS = re.compile(rf"([{_AT}])(?=(?:everyone|here|channel)(?!\w))", re.IGNORECASE)


def sanitize(text: str) -> str:
    """Every mention form defused (a zero-width space after `<` or `@`); controls stripped.

    Idempotent: a defused mention (`@\\u200beveryone`, `<\\u200b!channel>`) stays as it is.
    """
    text = _CONTROL.sub("", text)
    text = _ANGLE_MENTION.sub("<" + _ZWSP, text)
    text = _AT_MENTION.sub(r"\1" + _ZWSP, text)
    return _GLUED_MASS.sub(r"\1" + _ZWSP, text)


_WS = re.compile(r"\s+")


def normalize_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def clean(text: str | None) -> str:
    """Any text made fit to show: whitespace folded, controls stripped, mentions defused."""
    return sanitize(normalize_ws(text)) if text else ""


def clean_tex(text: str | None) -> str:
    """arXiv or Hugging Face text made fit to store and show: LaTeX rendered, then `clean()`."""
    return clean(latex_to_text(text)) if text else ""


def clean_paper(paper: Paper) -> Paper:
    """A paper's texts through `clean_tex()`; harmless for papers that were cleaned before."""
    update = {
        "title": clean_tex(paper.title),
        "abstract": clean_tex(paper.abstract),
        "authors": tuple(a for a in map(clean_tex, paper.authors) if a),
        "comment": clean_tex(paper.comment) or None,
        "journal_ref": clean_tex(paper.journal_ref) or None,
        "ai_keywords": tuple(dict.fromkeys(k for k in map(clean_tex, paper.ai_keywords) if k)),
    }
    return paper.model_copy(update=update)


# -- sentences --------------------------------------------------------------------------------------
# Written here rather than taken from pysbd or NLTK's punkt: neither knows Korean, and both miss
# a full stop glued to the next sentence (`…했다.이 모델은`), which Korean notes often have.
_HANGUL = "\uac00-\ud7a3"
_CJK = f"{_HANGUL}\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*(?P<space>\s+)"  # Latin: end mark, then space
    r"|(?<=[。！？])[」』）”’]*\s*"  # CJK full stops need no space
    rf"|(?<=[{_HANGUL}][.!?])(?=[^\s\d.,;:!?)\]}}'\"”’])"  # 했다.이 / 했다.LoRA
    rf"|(?<=[^\d\s.][.!?])(?=[{_CJK}])"  # X.이
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|vs|cf|resp|approx|Fig|Figs|Eq|Eqs|Sec|Tab|No|Ref|Refs|Dr|Prof)\.)$",
    re.IGNORECASE,
)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """(piece, whether a space separated it from the previous one), cut at every boundary."""
    pieces: list[tuple[str, bool]] = []
    start, spaced = 0, False
    for match in _BOUNDARY.finditer(text):
        space = match.group("space")
        pieces.append(
            (text[start : match.start("space") if space else match.end()].strip(), spaced)
        )
        start, spaced = match.end(), bool(space)
    pieces.append((text[start:].strip(), spaced))
    return [(piece, gap) for piece, gap in pieces if piece]


def sentences(text: str) -> list[str]:
    """Sentences of `text`, each keeping its end punctuation (CJK full stops included).

    Decimals (`5.9`) and ids (`2403.09629`) never end a sentence; nor do `e.g.`, `i.e.`,
    `et al.` and their kind, nor a stop followed by a lower-case word.
    """
    out: list[str] = []
    for piece, spaced in _pieces(text):
        glued_on = out and spaced and (_ABBREVIATIONS.search(out[-1]) or piece[0].islower())
        if glued_on:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


# -- splitting for platform limits ------------------------------------------------------------------
def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut between sentences, never inside one.

    A single sentence longer than `limit` is cut between words (or, with no spaces, between
    characters) as the last resort, so no chunk ever exceeds the limit.
    """
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for sentence in sentences(text):
        for piece in _hard_wrap(sentence, limit):
            joined = f"{current} {piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_wrap(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    words, out, line = sentence.split(" "), [], ""
    for whole in words:
        word = whole
        while len(word) > limit:
            if line:
                out.append(line)
                line = ""
            out.append(word[:limit])
            word = word[limit:]
        joined = f"{line} {word}" if line else word
        if len(joined) <= limit:
            line = joined
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    return out


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a sentence or word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    head = split_text(text, limit - 1)[0]
    return head if len(head) < len(text) and head.endswith((".", "!", "?", "。")) else head + "…"
