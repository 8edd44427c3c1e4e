"""docker-compose.yml, Dockerfile and .env.example, checked without Docker: parsed with PyYAML
and held against the CLI (every command a service runs exists and parses) and against Settings
(every variable they name is one Settings reads, and .env.example names every one)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from bot.cli.main import app as cli
from bot.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SETTING_NAMES = {str(f.validation_alias.choices[0]) for f in Settings.model_fields.values()}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def entrypoint() -> list[str]:
    match = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", dockerfile(), re.MULTILINE)
    assert match, "the Dockerfile has no exec-form ENTRYPOINT"
    return list(yaml.safe_load(match.group(1)))


def parse_cli(args: list[str]) -> list[str]:
    """Resolve `paperboy <args>` like the CLI does; the command path. UsageError if invalid."""
    command: Any = typer.main.get_command(cli)
    ctx = command.context_class(command, info_name="paperboy")
    path = []
    while hasattr(command, "get_command"):
        assert args, f"`paperboy {' '.join(path)}` needs a sub-command"
        name, args = args[0], args[1:]
        sub = command.get_command(ctx, name)
        assert sub is not None, f"`paperboy` has no command {name!r}"
        path.append(name)
        if hasattr(sub, "get_command"):
            ctx = sub.context_class(sub, info_name=name, parent=ctx)
        else:
            sub.make_context(name, list(args), parent=ctx)  # raises on a bad option or argument
        command = sub
    return path


def test_services_and_what_they_run(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"redis", "bot", "worker"}
    assert entrypoint() == ["paperboy"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["paperboy"] == "bot.cli.main:run"
    assert parse_cli(services["bot"]["command"]) == ["run"]
    assert parse_cli(services["worker"]["command"]) == ["worker"]


def test_the_parser_refuses_what_the_cli_refuses() -> None:
    with pytest.raises(Exception, match="bogus"):
        parse_cli(["run", "--bogus"])
    with pytest.raises(AssertionError):
        parse_cli(["serve"])
    assert parse_cli(["schedule", "list", "--json"]) == ["schedule", "list"]


def test_redis_keeps_an_append_only_file_on_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command
    volume, _, path = redis["volumes"][0].partition(":")
    assert path == "/data"
    assert volume in compose["volumes"]
    assert "redis-cli" in redis["healthcheck"]["test"]


@pytest.mark.parametrize("name", ["bot", "worker"])
def test_paperboy_services(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["env_file"] == ".env"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    environment = service["environment"]
    assert set(environment) <= SETTING_NAMES
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert environment["PAPERBOY_HEALTH_HOST"] == "0.0.0.0"
    load_settings(**{k: str(v) for k, v in environment.items()})  # valid values
    probe = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{environment['PAPERBOY_HEALTH_PORT']}/healthz" in probe
    assert service["restart"] == "unless-stopped"


def test_commands_in_comments_exist(compose: dict[str, Any]) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for line in re.findall(r"exec bot (paperboy .+)$", text, re.MULTILINE):
        assert parse_cli(shlex.split(line)[1:])
    alternative = re.search(r'#\s+(\["run".*\])', text)
    assert alternative
    assert parse_cli(yaml.safe_load(alternative.group(1))) == ["run"]


def test_dockerfile_is_slim_non_root_and_caches_dependencies() -> None:
    text = dockerfile()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user
    assert user[-1] not in ("root", "0")
    # dependencies are installed from pyproject.toml alone, before the code is copied
    deps = text.index("pip install -r")
    assert text.index("COPY pyproject.toml") < deps < text.index("COPY bot")
    assert "HEALTHCHECK" in text


def env_example_names() -> list[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return [m.group(1) for line in lines if (m := re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=", line))]


def test_env_example_documents_every_setting_once() -> None:
    names = env_example_names()
    assert len(names) == len(set(names)), "a setting is listed twice"
    assert set(names) == SETTING_NAMES


def test_env_example_values_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    defaults = load_settings()
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    assert load_settings() == defaults  # copying .env.example changes nothing by itself


def test_every_setting_is_explained() -> None:
    text = (ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(text):
        if re.match(r"^#?\s?[A-Z][A-Z0-9_]*=", line) and index:
            above = text[index - 1]
            assert above.startswith("#") or re.match(r"^#?\s?[A-Z][A-Z0-9_]*=", above), line
