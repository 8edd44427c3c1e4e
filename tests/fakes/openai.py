"""A loopback OpenAI-compatible server: `POST /v1/chat/completions` in the real wire format.

The answer has the shape of OpenAI's `chat.completion` object (id, object, created, model,
system_fingerprint, choices[{index, message{role, content, refusal}, logprobs, finish_reason}],
usage{prompt_tokens, completion_tokens, total_tokens}), so the real `openai.AsyncOpenAI` client
talks to it through `base_url=f"{fake.base_url}/v1"`.

What the model says comes from `fake.respond(request_json)`: a dict is sent as the JSON content,
a str as the raw content. The default reads the output language from the prompt and builds a
valid structured summary (or trend paragraph) from the fenced title and abstract only, so it
invents nothing. `latency` slows every completion (benchmarks); the base class's `inject()` adds
429 + Retry-After, 500, slow answers and garbage. `tokens_served` sums the usage reported.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.server import LoopbackServer

Responder = Callable[[dict[str, Any]], "dict[str, Any] | str"]

_LANG = re.compile(r"language code: (en|ko|ja|zh)")
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_ABSTRACT = re.compile(r"<abstract>(.*?)</abstract>", re.DOTALL)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

_PHRASES: dict[str, dict[str, str]] = {
    "en": {"tldr": "", "point": "", "title": "", "trend": "This week's papers include {titles}."},
    "ko": {
        "tldr": "이 논문은 다음을 다룹니다: ",
        "point": "핵심: ",
        "title": "논문: ",
        "trend": "이번 주 논문은 {titles} 등을 다룹니다.",
    },
    "ja": {
        "tldr": "本論文の概要：",
        "point": "要点：",
        "title": "論文のタイトル：",
        "trend": "今週の論文には{titles}などがあります。",
    },
    "zh": {
        "tldr": "本文概要：",
        "point": "要点：",
        "title": "论文：",
        "trend": "本周论文包括{titles}等。",
    },
}


def prompt_text(request: dict[str, Any]) -> str:
    """Every message's text of a chat request, joined."""
    return "\n".join(str(m.get("content", "")) for m in request.get("messages", []))


def user_text(request: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in request["messages"] if m["role"] == "user")


def requested_language(request: dict[str, Any]) -> str:
    match = _LANG.search(prompt_text(request))
    return match.group(1) if match else "en"


def schema_name(request: dict[str, Any]) -> str:
    fmt = request.get("response_format") or {}
    return str((fmt.get("json_schema") or {}).get("name", ""))


_NAMED = re.compile(r"(?<![\w.])(?:[A-Z][\w-]*[A-Z0-9][\w-]*|\d+(?:\.\d+)?%?)(?![\w.])")
_ABOUT: dict[str, str] = {
    "ko": "{names}에 관한 내용입니다.",
    "ja": "{names}に関する内容です。",
    "zh": "{names}相关的内容。",
}
_NOTHING_NAMED = {"ko": "초록의 주요 내용", "ja": "要旨の主な内容", "zh": "摘要的主要内容"}


def gist(sentence: str, lang: str) -> str:
    """The sentence itself in English; elsewhere a line in `lang` naming its names and numbers,
    so the answer is in the requested language and still invents nothing."""
    if lang == "en":
        return sentence
    names = ", ".join(dict.fromkeys(_NAMED.findall(sentence))) or _NOTHING_NAMED[lang]
    return _ABOUT[lang].format(names=names)


def summary_answer(request: dict[str, Any]) -> dict[str, Any]:
    """A structured summary made only of the fenced title's and abstract's own words."""
    lang, text = requested_language(request), user_text(request)
    title = (_TITLE.findall(text) or ["Untitled"])[0].strip()
    parts = [s for s in _SENTENCE.split((_ABSTRACT.findall(text) or [""])[0].strip()) if s]
    words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", title)]
    phrases = _PHRASES[lang]
    points = [phrases["point"] + gist(s, lang) for s in parts[1:5]]
    return {
        "title_translated": None if lang == "en" else phrases["title"] + title,
        "tldr": phrases["tldr"] + gist(parts[0] if parts else title, lang),
        "key_points": points or [phrases["point"] + gist(title, lang)],
        "tags": [f"#{w}" for w in words[:4]] + ["#machine_learning", "#paper"],
    }


def trend_answer(request: dict[str, Any]) -> dict[str, Any]:
    lang = requested_language(request)
    titles = ", ".join(t.strip() for t in _TITLE.findall(user_text(request))[:3])
    return {"paragraph": _PHRASES[lang]["trend"].format(titles=titles)}


def default_respond(request: dict[str, Any]) -> dict[str, Any] | str:
    if schema_name(request) == "weekly_trend":
        return trend_answer(request)
    return summary_answer(request)


def completion(model: str, content: str, prompt_tokens: int, serial: int) -> dict[str, Any]:
    """A `chat.completion` object as OpenAI sends it."""
    completion_tokens = max(1, len(content) // 4)
    return {
        "id": f"chatcmpl-fake{serial:06d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class FakeOpenAI(LoopbackServer):
    """OpenAI-compatible chat completions on 127.0.0.1 with a pluggable `respond`."""

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency
        self.respond: Responder = default_respond
        self.tokens_served = 0
        self._serial = itertools.count(1)
        self._tokens_lock = threading.Lock()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)

    def chat_calls(self) -> int:
        return self.count("/chat/completions")

    def requests_json(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.calls("/chat/completions")]

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        answer = self.respond(body)
        content = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        prompt_tokens = max(1, len(prompt_text(body)) // 4)
        payload = completion(str(body.get("model", "")), content, prompt_tokens, next(self._serial))
        with self._tokens_lock:
            self.tokens_served += payload["usage"]["total_tokens"]
        return web.json_response(payload)

    async def _embeddings(self, request: web.Request) -> web.Response:
        """`POST /v1/embeddings` as OpenAI answers it (floats, or base64 of float32 when asked)."""
        body = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        base64_wanted = body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i, "embedding": _encoded(embed(t), base64_wanted)}
            for i, t in enumerate(texts)
        ]
        tokens = sum(max(1, len(str(t)) // 4) for t in texts)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )


EMBEDDING_SIZE = 64


def embed(text: str) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words point the same way."""
    vector = [0.0] * EMBEDDING_SIZE
    for word in re.findall(r"\w+", text.lower()):
        vector[int.from_bytes(word.encode()[:8].ljust(8, b"_"), "little") % EMBEDDING_SIZE] += 1.0
    return vector


def _encoded(vector: list[float], as_base64: bool) -> list[float] | str:
    if not as_base64:
        return vector
    import base64  # noqa: PLC0415
    import struct  # noqa: PLC0415

    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
