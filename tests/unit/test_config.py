import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    for name in ("REDIS_URL", "PAPERBOY_LANGUAGE", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.redis_url is None
    assert settings.language == "en"
    assert settings.arxiv_api_url == "https://export.arxiv.org/api/query"
    assert settings.hf_api_url == "https://huggingface.co/api"
    assert settings.llm_timeout == 20


def test_env_names_are_the_documented_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBOY_LANGUAGE", "ko")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("PAPERBOY_LLM_MODEL", "qwen2.5")
    settings = load_settings()
    assert settings.language == "ko"
    assert settings.llm_model == "qwen2.5"
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test-secret"
    assert "sk-test-secret" not in repr(settings)
    assert "xoxb-secret" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAPERBOY_LANGUAGE", "fr", "PAPERBOY_LANGUAGE: Input should be 'en', 'ko', 'ja' or 'zh'"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: Value error, must start with redis://"),
        ("PAPERBOY_LLM_TIMEOUT", "soon", "PAPERBOY_LLM_TIMEOUT: Input should be a valid number"),
        (
            "PAPERBOY_ARXIV_API_URL",
            "ftp://x",
            "PAPERBOY_ARXIV_API_URL: Value error, must be an http",
        ),
        (
            "PAPERBOY_EVENT_LOOP",
            "trio",
            "PAPERBOY_EVENT_LOOP: Input should be 'auto', 'uvloop' or 'asyncio'",
        ),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
