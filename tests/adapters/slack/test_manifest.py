"""The app manifest asks for exactly what the adapter uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import adapters.slack

MANIFEST = Path(adapters.slack.__file__).parent / "manifest.yml"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def test_manifest_declares_the_command_events_and_socket_mode() -> None:
    data = manifest()
    [command] = data["features"]["slash_commands"]
    assert command["command"] == "/paper"
    assert len(command["description"]) <= 100
    assert len(command["usage_hint"]) <= 1000
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "reaction_added",
        "reaction_removed",
        "message.channels",
        "message.groups",  # replies in private paper threads (ask the paper)
        "app_mention",
    }
    assert data["settings"]["socket_mode_enabled"] is True


def test_manifest_scopes_are_the_least_that_work() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "reactions:read",
        "channels:history",
        "groups:history",
        "app_mentions:read",
        "users:read",
    }
    assert "chat:write.public" not in scopes
