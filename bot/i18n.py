"""The few fixed strings Paperboy shows, in every channel language (en, ko, ja, zh)."""

from __future__ import annotations

from bot.domain import Language

_STRINGS: dict[str, dict[Language, str]] = {
    "tldr": {"en": "TL;DR", "ko": "요약", "ja": "要約", "zh": "摘要"},
    "key_points": {"en": "Key points", "ko": "핵심 포인트", "ja": "ポイント", "zh": "要点"},
    "votes": {"en": "votes", "ko": "투표", "ja": "投票", "zh": "投票"},
    "why": {"en": "why", "ko": "선정 이유", "ja": "選定理由", "zh": "入选原因"},
    "digest_title": {
        "en": "📰 Paperboy weekly digest · {week}",
        "ko": "📰 Paperboy 주간 논문 다이제스트 · {week}",
        "ja": "📰 Paperboy 今週の注目論文 · {week}",
        "zh": "📰 Paperboy 每周论文速递 · {week}",
    },
    "digest_count": {
        "en": "{n} papers, ranked by your votes, Hugging Face upvotes and your topics. "
        "React 👍 / 👎 on a paper to vote.",
        "ko": "팀 투표, Hugging Face 추천 수, 채널 주제로 고른 논문 {n}편. 논문에 👍 / 👎 로 투표하세요.",
        "ja": "チームの投票、Hugging Faceのupvote、チャンネルのトピックで選んだ{n}本の論文です。"
        "👍 / 👎 のリアクションで投票できます。",
        "zh": "根据团队投票、Hugging Face 点赞数和频道主题选出的 {n} 篇论文。用 👍 / 👎 回应即可投票。",
    },
    "disclaimer_llm": {
        "en": "🤖 Summarised by an AI model from the paper's abstract; check the paper before citing it.",
        "ko": "🤖 이 요약은 AI가 논문 초록을 바탕으로 작성했습니다. 인용 전에 원문을 확인하세요.",
        "ja": "🤖 この要約はAIが論文の要旨から自動生成したものです。引用前に原文をご確認ください。",
        "zh": "🤖 本摘要由 AI 根据论文摘要自动生成，引用前请核对原文。",
    },
    "disclaimer_extractive": {
        "en": "📄 Extractive summary: sentences quoted from the abstract (no AI summary available).",
        "ko": "📄 추출 요약: 초록의 문장을 그대로 옮겼습니다 (AI 요약을 사용할 수 없음).",
        "ja": "📄 抽出要約：要旨の文をそのまま引用しています（AI要約は利用できません）。",
        "zh": "📄 抽取式摘要：直接引用论文摘要中的句子（AI 摘要暂不可用）。",
    },
    "ungrounded": {
        "en": "⚠️ {n} statement(s) not supported by the abstract were removed.",
        "ko": "⚠️ 초록으로 뒷받침되지 않는 내용 {n}개를 제거했습니다.",
        "ja": "⚠️ 要旨で裏付けられない記述を{n}件削除しました。",
        "zh": "⚠️ 已删除 {n} 条摘要中无法证实的内容。",
    },
    "trend_extractive": {
        "en": "(trend paragraph assembled from the papers' keywords; no AI summary available)",
        "ko": "(논문 키워드로 구성한 트렌드 문단입니다. AI 요약을 사용할 수 없음)",
        "ja": "（論文のキーワードから組み立てたトレンド段落です。AI要約は利用できません）",
        "zh": "（根据论文关键词整理的趋势段落；AI 摘要暂不可用）",
    },
    "late": {
        "en": "⏰ This digest is late: Paperboy was down at its scheduled time.",
        "ko": "⏰ 예정된 시간에 Paperboy가 중단되어 다이제스트가 늦게 도착했습니다.",
        "ja": "⏰ 予定時刻にPaperboyが停止していたため、ダイジェストが遅れて届きました。",
        "zh": "⏰ Paperboy 在预定时间停止运行，本期速递有所延迟。",
    },
}


def t(key: str, language: Language, **values: object) -> str:
    """The string `key` in `language` (English when a translation is missing)."""
    table = _STRINGS[key]
    return table.get(language, table["en"]).format(**values)
