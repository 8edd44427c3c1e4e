"""Text hygiene for everything Paperboy shows: arXiv whitespace and LaTeX, mentions, splitting.

arXiv titles and abstracts carry hard line wraps and simple LaTeX (`$\\rightarrow$`, `\\emph{x}`);
LLM output and user input may carry mass mentions. Every string that reaches a chat passes
through `clean()` (or `sanitize()` for text that is already clean).
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_LATEX_SYMBOLS = {
    r"\rightarrow": "→",
    r"\to": "→",
    r"\leftarrow": "←",
    r"\Rightarrow": "⇒",
    r"\leftrightarrow": "↔",
    r"\times": "×",
    r"\approx": "≈",
    r"\sim": "~",
    r"\leq": "≤",
    r"\le": "≤",
    r"\geq": "≥",
    r"\ge": "≥",
    r"\neq": "≠",
    r"\pm": "±",
    r"\cdot": "·",
    r"\infty": "∞",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\delta": "δ",
    r"\epsilon": "ε",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\sigma": "σ",
    r"\theta": "θ",
    r"\pi": "π",
    r"\tau": "τ",
    r"\phi": "φ",
    r"\omega": "ω",
    r"\%": "%",
    r"\&": "&",
    r"\_": "_",
    r"\#": "#",
    r"\$": "$",
    r"\ldots": "…",
    r"\dots": "…",
    r"~": " ",
}
_SYMBOL_RE = re.compile(
    "|".join(
        re.escape(k) + (r"(?![A-Za-z])" if k[-1].isalpha() else "")
        for k in sorted(_LATEX_SYMBOLS, key=len, reverse=True)
    )
)
_COMMAND_ARG = re.compile(
    r"\\(?:emph|textit|textbf|textsc|texttt|mathrm|mathbf|mathcal|"
    r"mathit|text|mbox|url|textrm|bf|it)\s*\{([^{}]*)\}"
)
_SUPER_SUB = re.compile(r"([\^_])\{([^{}]*)\}")
_MATH = re.compile(r"(?<!\\)\$([^$]{0,200})(?<!\\)\$")
_ACCENT = re.compile(r"\\[\"'`^~=.]\{?([A-Za-z])\}?")
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
}

# Mass mentions on Slack (<!channel>, <!here>, <!everyone>, <!subteam^...>) and Discord
# (@everyone, @here, <@&role>). A zero-width joiner defuses them while staying readable.
_MASS = re.compile(
    r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(\|[^>]*)?>|@(everyone|here)\b", re.IGNORECASE
)
_ROLE = re.compile(r"<@&(\d+)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _accent(match: re.Match[str]) -> str:
    mark = _ACCENTS.get(match.group(0)[1], "")
    return unicodedata.normalize("NFC", match.group(1) + mark)


def latex_to_text(text: str) -> str:
    """Simple LaTeX rendered readably: `$5.9\\%\\rightarrow$` -> `5.9%→`, `\\emph{x}` -> `x`."""
    text = _ACCENT.sub(_accent, text)
    for _ in range(3):  # nested \emph{\textbf{x}}
        text = _COMMAND_ARG.sub(r"\1", text)
    text = _MATH.sub(lambda m: m.group(1), text)
    text = _SUPER_SUB.sub(lambda m: m.group(1) + m.group(2), text)
    text = _SYMBOL_RE.sub(lambda m: _LATEX_SYMBOLS[m.group(0)], text)
    return text.replace("{", "").replace("}", "") if "\\" not in text else text


def normalize_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def sanitize(text: str) -> str:
    """Defuse mass mentions and strip control and bidi-override characters."""
    text = _CONTROL.sub("", text)
    text = _MASS.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<!", "<\u200b!"), text)
    return _ROLE.sub(lambda m: f"<@\u200b&{m.group(1)}>", text)


def clean(text: str | None) -> str:
    """arXiv or LLM text made fit to show: whitespace folded, LaTeX rendered, mentions defused."""
    if not text:
        return ""
    return sanitize(normalize_ws(latex_to_text(text)))


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def sentences(text: str) -> list[str]:
    """Sentences of `text`, each keeping its end punctuation (CJK full stops included)."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


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
