"""A loopback Slack: the Web API methods Paperboy calls, `response_url`s and Socket Mode.

The real `slack_sdk.AsyncWebClient` reaches it through `base_url=fake.api_url` (SLACK_API_URL).
Answers have Slack's documented shapes: HTTP 200 with `{"ok": true, ...}` or
`{"ok": false, "error": "<code>"}`; a wrong bot token gets `invalid_auth`, none `not_authed`.
Messages are checked against Slack's limits the way Slack refuses them (`msg_too_long` over
40,000 characters of `text`, `invalid_blocks` for more than 50 blocks or an over-long section,
header or context, `msg_blocks_too_long` past 13,000 characters of block text), so a test
fails if the adapter would be refused by the real service.

Methods: auth.test, chat.postMessage, chat.postEphemeral, chat.update (recorded in `updated`,
with the fake's monotonic time), chat.getPermalink, reactions.add, conversations.info,
users.info, apps.connections.open (app token; Socket Mode WebSocket at `/link/`). `response_url`s are `fake.response_url()`; each takes five posts, as on Slack.
429 + Retry-After comes from the base class: `fake.inject(Fault.too_many(1, path="chat.post"))`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.server import LoopbackServer, Recorded

BOT_TOKEN = "xoxb-1234-5678-fakebottoken"
APP_TOKEN = "xapp-1-A123456-fakeapptoken"
TEAM_ID = "T0001"
BOT_USER_ID = "U0BOTUSER"
BOT_ID = "B0BOT0001"
APP_ID = "A123456"
MAX_TEXT = 40_000
MAX_BLOCKS = 50
MAX_SECTION = 3_000
MAX_HEADER = 150
MAX_BLOCK_CHARS = 13_000
RESPONSE_URL_POSTS = 5


def params_of(recorded: Recorded) -> dict[str, Any]:
    """A Web API call's arguments, whichever way the client sent them (JSON, form, query)."""
    args: dict[str, Any] = dict(recorded.query)
    content_type = recorded.headers.get("Content-Type", "")
    if recorded.body and "json" in content_type:
        args.update(json.loads(recorded.body))
    elif recorded.body:
        args.update(parse_qsl(recorded.body.decode()))
    if isinstance(args.get("blocks"), str):
        args["blocks"] = json.loads(args["blocks"])
    return args


def block_errors(blocks: list[dict[str, Any]]) -> list[str]:
    """Why Slack would refuse these blocks (empty when it would accept them)."""
    errors = [f"must be at most {MAX_BLOCKS} blocks"] if len(blocks) > MAX_BLOCKS else []
    total = 0
    for i, block in enumerate(blocks):
        kind = block.get("type")
        texts = [block["text"]["text"]] if "text" in block else []
        texts += [e.get("text", "") for e in block.get("elements", [])]
        total += sum(len(t) for t in texts)
        limit = {"section": MAX_SECTION, "header": MAX_HEADER, "context": MAX_SECTION}.get(kind)
        if kind not in ("section", "header", "context", "divider"):
            errors.append(f"[{i}] unsupported block type {kind!r}")
        elif limit and (not texts or any(not t or len(t) > limit for t in texts)):
            errors.append(f"[{i}] {kind} text must be 1 to {limit} characters")
        if kind == "context" and not 1 <= len(block.get("elements", [])) <= 10:
            errors.append(f"[{i}] context takes 1 to 10 elements")
    if total > MAX_BLOCK_CHARS:
        errors.append("msg_blocks_too_long")
    return errors


class FakeSlack(LoopbackServer):
    """Slack's Web API on 127.0.0.1, recording what it was asked and what it posted."""

    def __init__(self, *, token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.app_token = app_token
        self.users: dict[str, dict[str, Any]] = {}
        self.locales: dict[str, str] = {}  # user -> `locale`, answered with include_locale
        self.not_in_channel: set[str] = set()
        self.unknown_channels: set[str] = set()
        self.posted: list[dict[str, Any]] = []
        self.ephemeral: list[dict[str, Any]] = []
        self.updated: list[dict[str, Any]] = []
        self.deleted: set[str] = set()  # ts of messages someone deleted (chat.update: not found)
        self.responses: list[dict[str, Any]] = []
        self.reactions: list[dict[str, Any]] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._serial = itertools.count(1)
        self._response_uses: dict[str, int] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._acked = threading.Condition()

    # -- test API ------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self) -> str:
        return f"{self.base_url}/commands/{TEAM_ID}/{next(self._serial)}/{secrets.token_hex(8)}"

    def add_user(
        self, user_id: str, *, admin: bool = False, owner: bool = False, locale: str = "en-US"
    ) -> None:
        self.locales[user_id] = locale
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "deleted": False,
            "real_name": f"User {user_id}",
            "tz": "Asia/Seoul",
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "profile": {"display_name": user_id.lower(), "real_name": f"User {user_id}"},
        }

    def api_calls(self, method: str) -> list[dict[str, Any]]:
        return [params_of(r) for r in self.calls(f"/api/{method}")]

    def posts_in(self, channel: str) -> list[dict[str, Any]]:
        return [p for p in self.posted if p["channel"] == channel]

    # -- Socket Mode ---------------------------------------------------------------------------
    def push(self, envelope: dict[str, Any]) -> None:
        """Send one Socket Mode envelope to every connected client."""
        if self._loop is None:
            raise RuntimeError("FakeSlack is not running")
        asyncio.run_coroutine_threadsafe(self._push(envelope), self._loop).result(10)

    def wait_ack(self, envelope_id: str, timeout: float = 20) -> dict[str, Any]:
        """The client's acknowledgement of `envelope_id` (blocks until it arrives)."""
        with self._acked:
            found = self._acked.wait_for(lambda: self._ack(envelope_id), timeout)
        if not found:
            raise TimeoutError(f"no ack for envelope {envelope_id}")
        return found

    def wait_posted(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        """Block until at least `count` messages were posted; the posted messages."""
        with self._acked:
            if not self._acked.wait_for(lambda: len(self.posted) >= count, timeout):
                raise TimeoutError(f"{len(self.posted)} message(s) posted, not {count}")
            return list(self.posted)

    def wait_connected(self, timeout: float = 20) -> None:
        with self._acked:
            if not self._acked.wait_for(lambda: bool(self._sockets), timeout):
                raise TimeoutError("no Socket Mode client connected")

    def _ack(self, envelope_id: str) -> dict[str, Any] | None:
        return next((a for a in self.socket_acks if a.get("envelope_id") == envelope_id), None)

    async def _push(self, envelope: dict[str, Any]) -> None:
        for socket in list(self._sockets):
            await socket.send_str(json.dumps(envelope))

    # -- routes --------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/commands/{team}/{serial}/{secret}", self._response_url)
        app.router.add_get("/link/", self._socket)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        if method == "apps.connections.open":
            return self._connections_open(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        if not token:
            return _fail("not_authed")
        if token != self.token:
            return _fail("invalid_auth")
        handler = self._methods().get(method)
        return handler(args) if handler else _fail("unknown_method")

    def _methods(self) -> dict[str, Any]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.getPermalink": self._permalink,
            "reactions.add": self._reactions_add,
            "conversations.info": self._conversation,
            "users.info": self._user,
        }

    @staticmethod
    async def _args(request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        if isinstance(args.get("blocks"), str):
            args["blocks"] = json.loads(args["blocks"])
        return args

    def _auth_test(self, args: dict[str, Any]) -> web.Response:
        return _ok(
            url="https://example.slack.com/",
            team="Example",
            user="paperboy",
            team_id=TEAM_ID,
            user_id=BOT_USER_ID,
            bot_id=BOT_ID,
            is_enterprise_install=False,
        )

    def _channel_error(self, channel: str | None) -> web.Response | None:
        if not channel or channel in self.unknown_channels:
            return _fail("channel_not_found")
        if channel in self.not_in_channel:
            return _fail("not_in_channel")
        return None

    def _message_error(self, args: dict[str, Any]) -> web.Response | None:
        text, blocks = args.get("text") or "", args.get("blocks") or []
        if not text and not blocks:
            return _fail("no_text")
        if len(text) > MAX_TEXT:
            return _fail("msg_too_long")
        errors = block_errors(blocks)
        if "msg_blocks_too_long" in errors:
            return _fail("msg_blocks_too_long")
        return _fail("invalid_blocks", errors=errors) if errors else None

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._serial):06d}"

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        return {
            "user": BOT_USER_ID,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": args.get("text", ""),
            "team": TEAM_ID,
            "blocks": args.get("blocks") or [],
        }

    def _post_message(self, args: dict[str, Any]) -> web.Response:
        refused = self._channel_error(args.get("channel")) or self._message_error(args)
        if refused:
            return refused
        ts = self._new_ts()
        with self._acked:
            self.posted.append({**args, "ts": ts})
            self._acked.notify_all()
        return _ok(channel=args["channel"], ts=ts, message=self._message(args, ts))

    def _post_ephemeral(self, args: dict[str, Any]) -> web.Response:
        refused = self._channel_error(args.get("channel")) or self._message_error(args)
        if refused:
            return refused
        if not args.get("user"):
            return _fail("user_not_in_channel")
        ts = self._new_ts()
        with self._lock:
            self.ephemeral.append({**args, "message_ts": ts})
        return _ok(message_ts=ts)

    def _update(self, args: dict[str, Any]) -> web.Response:
        refused = self._channel_error(args.get("channel")) or self._message_error(args)
        if refused:
            return refused
        if args.get("ts") in self.deleted or not any(
            p["ts"] == args.get("ts") for p in self.posted
        ):
            return _fail("message_not_found")
        with self._acked:
            self.updated.append({**args, "at": time.monotonic()})
            self._acked.notify_all()
        return _ok(
            channel=args["channel"],
            ts=args["ts"],
            text=args.get("text", ""),
            message=self._message(args, args["ts"]),
        )

    def _permalink(self, args: dict[str, Any]) -> web.Response:
        channel, ts = args.get("channel"), str(args.get("message_ts") or "")
        if not channel or channel in self.unknown_channels:
            return _fail("channel_not_found")
        if ts in self.deleted or not any(p["ts"] == ts for p in self.posted):
            return _fail("message_not_found")
        link = f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return _ok(channel=channel, permalink=link)

    def updates_of(self, ts: str) -> list[dict[str, Any]]:
        """The chat.update calls that reached the message `ts`, oldest first."""
        with self._acked:
            return [u for u in self.updated if u.get("ts") == ts]

    def _reactions_add(self, args: dict[str, Any]) -> web.Response:
        refused = self._channel_error(args.get("channel"))
        if refused:
            return refused
        if not args.get("name") or not args.get("timestamp"):
            return _fail("invalid_name" if not args.get("name") else "no_item_specified")
        with self._lock:
            self.reactions.append(args)
        return _ok()

    def _conversation(self, args: dict[str, Any]) -> web.Response:
        channel = args.get("channel")
        if not channel or channel in self.unknown_channels:
            return _fail("channel_not_found")
        return _ok(
            channel={
                "id": channel,
                "name": f"channel-{channel.lower()}",
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_private": False,
                "is_archived": False,
                "is_general": False,
                "created": 1449252889,
                "creator": "W012A3BCD",
                "is_member": channel not in self.not_in_channel,
                "is_shared": False,
                "is_ext_shared": False,
                "is_org_shared": False,
            }
        )

    def _user(self, args: dict[str, Any]) -> web.Response:
        """users.info; like Slack, the user's `locale` only with `include_locale=true`."""
        user = self.users.get(str(args.get("user")))
        if user is None:
            return _fail("user_not_found")
        if str(args.get("include_locale")).lower() in ("true", "1"):
            user = {**user, "locale": self.locales[user["id"]]}
        return _ok(user=user)

    def _connections_open(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") != self.app_token:
            return _fail("invalid_auth")
        ticket = secrets.token_hex(8)
        return _ok(url=f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}")

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        url = request.path
        uses = self._response_uses.get(url, 0) + 1
        self._response_uses[url] = uses
        if uses > RESPONSE_URL_POSTS:
            return web.Response(status=404, text="used_url")
        if len(body.get("text") or "") > MAX_TEXT or block_errors(body.get("blocks") or []):
            return web.Response(status=400, text="invalid_blocks")
        with self._lock:
            self.responses.append({**body, "url": url})
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        await socket.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        with self._acked:
            self._sockets.append(socket)
            self._acked.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._record_ack(json.loads(message.data))
        finally:
            self._sockets.remove(socket)
        return socket

    def _record_ack(self, ack: dict[str, Any]) -> None:
        with self._acked:
            self.socket_acks.append(ack)
            self._acked.notify_all()

    async def _shutdown(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        await super()._shutdown()


def _ok(**fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields})


def _fail(error: str, **fields: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, **fields})


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """An Events API `event_callback` envelope around `event`, in the shape of
    tests/fixtures/slack_event_reaction_added.json, addressed to the fake's bot user."""
    return {
        "token": "XXYYZZ",
        "team_id": "T0001",
        "api_app_id": "A123456",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T0001",
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
