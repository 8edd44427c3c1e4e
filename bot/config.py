"""One typed Settings, read once at the edge from the environment and `.env`.

The environment variable names are a contract with operators, docker-compose and the docs, so each
field names its variable explicitly. Core code never reads `os.environ`; it receives values.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError
from bot.languages import Language


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Every setting Paperboy reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,  # `SLACK_BOT_TOKEN=` in .env means unset, not an empty token
    )

    # Storage
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    data_dir: Path | None = Field(None, validation_alias=_env("PAPERBOY_DATA_DIR"))

    # LLM (any OpenAI-compatible endpoint)
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    llm_model: str = Field("gpt-4o-mini", validation_alias=_env("PAPERBOY_LLM_MODEL"))
    llm_timeout: float = Field(20.0, gt=0, validation_alias=_env("PAPERBOY_LLM_TIMEOUT"))
    llm_max_retries: int = Field(2, ge=0, le=10, validation_alias=_env("PAPERBOY_LLM_MAX_RETRIES"))
    llm_monthly_token_budget: int | None = Field(
        None, ge=0, validation_alias=_env("PAPERBOY_LLM_MONTHLY_TOKEN_BUDGET")
    )
    language: Language = Field("en", validation_alias=_env("PAPERBOY_LANGUAGE"))

    # Paper sources
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query", validation_alias=_env("PAPERBOY_ARXIV_API_URL")
    )
    arxiv_min_interval: float = Field(
        3.0, ge=0, validation_alias=_env("PAPERBOY_ARXIV_MIN_INTERVAL")
    )
    hf_api_url: str = Field(
        "https://huggingface.co/api", validation_alias=_env("PAPERBOY_HF_API_URL")
    )
    arxiv_web_url: str = Field(
        "https://arxiv.org",
        validation_alias=_env("PAPERBOY_ARXIV_WEB_URL"),
        description="arxiv.org, whose /html and /pdf pages give full texts (the only host fetched)",
    )
    http_timeout: float = Field(30.0, gt=0, validation_alias=_env("PAPERBOY_HTTP_TIMEOUT"))
    http_retries: int = Field(4, ge=0, le=10, validation_alias=_env("PAPERBOY_HTTP_RETRIES"))

    # Ask the paper: questions in threads, deep summaries
    threads: bool = Field(
        True,
        validation_alias=_env("PAPERBOY_THREADS"),
        description="Answer questions in a paper's thread from its full text (on/off)",
    )
    embedding_model: str | None = Field(
        None,
        validation_alias=_env("PAPERBOY_EMBEDDING_MODEL"),
        description="Embeddings model on the LLM endpoint blended into BM25 retrieval (unset: BM25)",
    )
    fulltext_max_bytes: int = Field(
        30_000_000,
        ge=100_000,
        validation_alias=_env("PAPERBOY_FULLTEXT_MAX_BYTES"),
        description="Largest HTML or PDF download of a paper; larger ones are refused",
    )
    fulltext_timeout: float = Field(
        60.0,
        gt=0,
        validation_alias=_env("PAPERBOY_FULLTEXT_TIMEOUT"),
        description="Seconds one full-text download may take in all",
    )
    fulltext_cache_days: float = Field(
        30,
        gt=0,
        validation_alias=_env("PAPERBOY_FULLTEXT_CACHE_DAYS"),
        description="Days a parsed full text stays cached in Redis (compressed)",
    )
    ask_context_tokens: int = Field(
        3000,
        ge=300,
        le=100_000,
        validation_alias=_env("PAPERBOY_ASK_CONTEXT_TOKENS"),
        description="Tokens of the paper's passages sent with one question",
    )
    thread_turns: int = Field(
        4,
        ge=0,
        le=20,
        validation_alias=_env("PAPERBOY_THREAD_TURNS"),
        description="Previous questions and answers of a thread sent with a follow-up",
    )
    thread_ttl_hours: float = Field(
        168,
        gt=0,
        validation_alias=_env("PAPERBOY_THREAD_TTL_HOURS"),
        description="Hours a thread's turns are remembered after its last question",
    )

    flag_languages: str = Field(
        "kr=ko,jp=ja,cn=zh,flag-tw=zh,us=en,gb=en",
        validation_alias=_env("PAPERBOY_FLAG_LANGUAGES"),
        description="Flag reactions that post a paper's summary in a language (flag=language)",
    )

    # Digests and commands
    digest_size: int = Field(10, ge=1, le=30, validation_alias=_env("PAPERBOY_DIGEST_SIZE"))
    user_rate_limit: int = Field(
        20,
        ge=0,
        validation_alias=_env("PAPERBOY_USER_RATE_LIMIT"),
        description="LLM-backed requests a user may make per hour (0 = unlimited)",
    )
    admins: str = Field("", validation_alias=_env("PAPERBOY_ADMINS"))
    vote_up: str = Field("+1,fire,arrow_up", validation_alias=_env("PAPERBOY_VOTE_UP"))
    vote_down: str = Field("-1", validation_alias=_env("PAPERBOY_VOTE_DOWN"))

    # Slack
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))

    # Discord
    discord_token: SecretStr | None = Field(None, validation_alias=_env("DISCORD_TOKEN"))
    discord_api_url: str | None = Field(None, validation_alias=_env("DISCORD_API_URL"))
    discord_guild_id: int | None = Field(None, validation_alias=_env("DISCORD_GUILD_ID"))
    discord_prefix: str = Field(
        "!paper",
        min_length=1,
        validation_alias=_env("PAPERBOY_DISCORD_PREFIX"),
        description="Word that starts a message command in Discord (`!paper 2403.09629`)",
    )
    discord_admin_roles: str = Field(
        "",
        validation_alias=_env("PAPERBOY_DISCORD_ADMIN_ROLES"),
        description="Role ids or names (comma-separated) allowed to run admin sub-commands",
    )

    # Schedules, workers, health
    timezone: str = Field(
        "UTC",
        validation_alias=_env("PAPERBOY_TIMEZONE"),
        description="IANA time zone of schedules that name none (Asia/Seoul, Europe/Berlin)",
    )
    schedule: str = Field(
        "0 9 * * MON",
        validation_alias=_env("PAPERBOY_SCHEDULE"),
        description="Default cron (five fields) of every channel's weekly digest",
    )
    late_after: float = Field(
        900,
        ge=0,
        validation_alias=_env("PAPERBOY_LATE_AFTER"),
        description="Seconds after its scheduled time from which a digest says it is late",
    )
    scheduler_every: int = Field(
        60,
        ge=1,
        le=60,
        validation_alias=_env("PAPERBOY_SCHEDULER_EVERY"),
        description="Seconds between two checks for due digests (a divisor of 60)",
    )
    worker_jobs: int = Field(
        20,
        ge=1,
        le=500,
        validation_alias=_env("PAPERBOY_WORKER_JOBS"),
        description="Jobs (digests) one worker process runs at once",
    )
    job_timeout: float = Field(
        600,
        gt=0,
        validation_alias=_env("PAPERBOY_JOB_TIMEOUT"),
        description="Seconds a digest job may run; a killed worker's job restarts after this",
    )
    digest_lease: float = Field(
        60,
        ge=1,
        validation_alias=_env("PAPERBOY_DIGEST_LEASE"),
        description="Seconds a digest delivery stays locked after its worker stops renewing it",
    )
    slack_post_interval: float = Field(
        1.0,
        ge=0,
        validation_alias=_env("PAPERBOY_SLACK_POST_INTERVAL"),
        description="Seconds between two digest posts in one Slack channel (Slack allows ~1/s)",
    )
    vote_edit_interval: float = Field(
        3.0,
        gt=0,
        le=3600,
        validation_alias=_env("PAPERBOY_VOTE_EDIT_INTERVAL"),
        description="Seconds between two edits of one paper message's vote count (coalesced)",
    )
    health_host: str = Field(
        "127.0.0.1",
        validation_alias=_env("PAPERBOY_HEALTH_HOST"),
        description="Address of the /healthz and /metrics server (0.0.0.0 in a container)",
    )
    health_port: int = Field(
        8080,
        ge=0,
        le=65535,
        validation_alias=_env("PAPERBOY_HEALTH_PORT"),
        description="Port of the /healthz and /metrics server (0 = any free port)",
    )
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        "auto",
        validation_alias=_env("PAPERBOY_EVENT_LOOP"),
        description=(
            "Event loop: auto (uvloop for run and worker where installed, asyncio's loop for"
            " one-shot commands), uvloop, or asyncio"
        ),
    )
    test_now: datetime | None = Field(
        None,
        validation_alias=_env("PAPERBOY_TEST_NOW"),
        description="Tests only: the scheduler's clock starts at this ISO 8601 time",
    )

    # Logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_env("PAPERBOY_LOG_LEVEL")
    )
    log_json: bool = Field(False, validation_alias=_env("PAPERBOY_LOG_JSON"))

    @field_validator(
        "arxiv_api_url",
        "arxiv_web_url",
        "hf_api_url",
        "slack_api_url",
        "openai_base_url",
        "discord_api_url",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from bot.services.schedule import BadSchedule, parse_zone  # noqa: PLC0415

        try:
            return parse_zone(value).key
        except BadSchedule as exc:
            raise ValueError(str(exc)) from None

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from bot.services.schedule import BadSchedule, check_cron  # noqa: PLC0415

        try:
            return check_cron(value)
        except BadSchedule as exc:
            raise ValueError(str(exc)) from None

    @field_validator("flag_languages")
    @classmethod
    def _flags(cls, value: str) -> str:
        from bot.languages import flag_pairs  # noqa: PLC0415

        try:
            flag_pairs(value)
        except ConfigError as exc:
            raise ValueError(str(exc).removeprefix("PAPERBOY_FLAG_LANGUAGES: ")) from None
        return value

    @field_validator("scheduler_every")
    @classmethod
    def _every(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("must divide 60 (1, 2, 5, 10, 15, 30 or 60)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @property
    def platforms(self) -> list[str]:
        """The chat platforms whose token is set (SLACK_BOT_TOKEN, DISCORD_TOKEN)."""
        tokens = {"slack": self.slack_bot_token, "discord": self.discord_token}
        return [name for name, token in tokens.items() if token is not None]

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admins.split(",") if part.strip())


_ALIASES = {
    name: str(field.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; an invalid value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = str(first["loc"][0]) if first["loc"] else "settings"
        variable = _ALIASES.get(loc, loc.upper())
        raise ConfigError(f"{variable}: {first['msg']}") from None
