"""Paper messages that follow their votes, and one copy of a paper per channel and week.

**What a posted paper message keeps** (`PaperPosts`, in its team): the message as posted
(`keys.paper_message`: its ref, its RichMessage, the tally its vote line shows), kept as long as
the message → paper map, so its vote line can be drawn again; and, for a week, the paper's
latest message in its channel with a link to it (`keys.channel_paper`), so that a second
`/paper` for it links there instead of posting a copy.

**Live vote counts** (`LiveVotes`): a vote that changes a paper's tally arms an edit of the
message it was cast on. Arming is `SET NX` of a per-message marker holding the arming process's
token, plus an entry in the deployment's pending set (`keys.VOTE_EDITS`). The process that set
the marker waits one interval, reads the tally of the message's team (its ledger), edits the
message when the count it shows differs, then, in one script, either re-arms (the tally moved
while it was editing) or deletes the marker and the pending entry. Whoever votes meanwhile finds
the marker set and does nothing more, so a message is edited at most once per interval whatever
the number of processes, and the last count is always written. A process that already owns a
message's edit arms nothing at all for further votes on it (no Redis command per reaction).
Pending entries left by a process that stopped or died are claimed by the sweeper every process
runs, once their marker is gone (deleted on a clean stop, expired after a crash).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT

from bot import keys
from bot.domain import ChannelRef, MessageRef, Tally
from bot.logs import QuietLog
from bot.ports import ChatPort
from bot.render import (
    Block,
    Bullets,
    Context,
    Heading,
    Link,
    Links,
    Paragraph,
    RichMessage,
    Tags,
    VoteLine,
    shown_tally,
    with_tally,
)
from bot.services.aio import as_str, done
from bot.services.batching import BatchedScript
from bot.services.channels import MESSAGE_MAP_TTL
from bot.services.teams import TeamStore
from bot.services.votes import VoteStore

log = logging.getLogger(__name__)
REPOST_AFTER = timedelta(days=7)  # a paper posted in a channel this recently is linked to
CLAIM_TTL = 90  # seconds a /paper answer may take between its look-up and its post
EDIT_GRACE = 60.0  # seconds an edit may take (429 waits included) before its marker expires
RETRY_LIMIT = 5  # failed edits in a row before the edit is left to a later sweep
RETRY_LATER = 300.0  # seconds before a sweep retries an edit that kept failing
SWEEP_BATCH = 200
_PENDING = "pending"

# ARGV: marker, token, marker TTL (ms), pending set, member, due (Unix s), can edit (1/0).
# A process that cannot edit this platform only queues the edit for one that can.
_ARM = """
if ARGV[7] == '1' and redis.call('SET', ARGV[1], ARGV[2], 'NX', 'PX', ARGV[3]) then
  redis.call('ZADD', ARGV[4], ARGV[6], ARGV[5])
  return 1
end
if ARGV[7] ~= '1' then redis.call('ZADD', ARGV[4], 'NX', ARGV[6], ARGV[5]) end
return 0
"""

# After an edit: -1 when the marker is no longer ours; 1 (re-armed) when the tally summed over
# the ledger's tally hashes (ARGV[10..]) differs from the one shown (ARGV[7], ARGV[8]) for
# paper ARGV[9]; else 0, the marker and the pending entry deleted.
_FINISH = """
if redis.call('GET', ARGV[1]) ~= ARGV[2] then return -1 end
local up, down = 0, 0
for i = 10, #ARGV do
  local t = redis.call('HMGET', ARGV[i], ARGV[9] .. ':u', ARGV[9] .. ':d')
  up = up + tonumber(t[1] or '0')
  down = down + tonumber(t[2] or '0')
end
if up ~= tonumber(ARGV[7]) or down ~= tonumber(ARGV[8]) then
  redis.call('PEXPIRE', ARGV[1], ARGV[3])
  redis.call('ZADD', ARGV[4], ARGV[6], ARGV[5])
  return 1
end
redis.call('DEL', ARGV[1])
redis.call('ZREM', ARGV[4], ARGV[5])
return 0
"""

# KEYS[1]: a channel's latest copy of a paper; dropped only while it is still a claim.
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end"

# ARGV: marker, token. Give up an edit (a clean stop) so the next sweep takes it at once.
_ABANDON = """
if redis.call('GET', ARGV[1]) == ARGV[2] then redis.call('DEL', ARGV[1]) end
return 0
"""


# -- what a posted paper message keeps ---------------------------------------------------------------
_BLOCKS: dict[str, type[Block]] = {
    "heading": Heading,
    "paragraph": Paragraph,
    "bullets": Bullets,
    "links": Links,
    "tags": Tags,
    "context": Context,
}


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, VoteLine):
        tally = [block.tally.up, block.tally.down]
        return {"kind": "votes", "text": block.text, "tally": tally, "why": block.why,
                "language": block.language}  # fmt: skip
    if isinstance(block, Links):
        return {"kind": "links", "links": [[link.label, link.url] for link in block.links]}
    kind = next(name for name, cls in _BLOCKS.items() if type(block) is cls)
    return {"kind": kind, **vars(block)}


def _block(data: dict[str, Any]) -> Block:
    kind = data.pop("kind")
    if kind == "votes":
        up, down = data.pop("tally")
        return VoteLine(tally=Tally(up=up, down=down), **data)
    if kind == "links":
        return Links(tuple(Link(label, url) for label, url in data["links"]))
    for name in ("items", "tags"):
        if name in data:
            data[name] = tuple(data[name])
    return _BLOCKS[kind](**data)


def pack_message(message: RichMessage) -> bytes:
    """`message` as compressed JSON (a paper message is a few kB of text; kept a year)."""
    data = {
        "blocks": [_block_json(b) for b in message.blocks],
        "fallback": message.fallback,
        "paper_id": message.paper_id,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 6)


def unpack_message(raw: bytes) -> RichMessage:
    data = json.loads(zlib.decompress(raw))
    blocks = tuple(_block(b) for b in data["blocks"])
    return RichMessage(blocks, data["fallback"], data["paper_id"])


@dataclass(frozen=True)
class PostedMessage:
    """A paper message as posted, and the tally its vote line shows now."""

    ref: MessageRef
    rich: RichMessage
    shown: Tally


@dataclass(frozen=True)
class EarlierPost:
    """The paper's message already in the channel (`ref` None: being posted right now)."""

    ref: MessageRef | None
    link: str | None = None


class PaperPosts:
    """Per team: each posted paper message as posted, and each channel's recent papers."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def remember(
        self, team: str, ref: MessageRef, rich: RichMessage, link: str | None
    ) -> None:
        """`rich` was posted as `ref` in `team`: keep it for edits, and as the paper's copy in
        its channel for a week."""
        if not rich.paper_id:
            return
        key = keys.paper_message(team, ref.key)
        shown = shown_tally(rich) or Tally()
        latest = json.dumps({"ref": ref.model_dump(), "link": link})
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping={"ref": ref.model_dump_json(), "rich": pack_message(rich),
                                    "shown": _tally_text(shown)})  # fmt: skip
            pipe.expire(key, MESSAGE_MAP_TTL)
            pipe.set(_latest_key(team, ref.channel, rich.paper_id), latest, ex=REPOST_AFTER)
            await pipe.execute()

    async def load(self, team: str, message_key: str) -> PostedMessage | None:
        raw = await done(self._redis.hmget(keys.paper_message(team, message_key),
                                           ["ref", "rich", "shown"]))  # fmt: skip
        if not all(raw):
            return None
        ref, rich, shown = raw
        return PostedMessage(
            MessageRef.model_validate_json(ref), unpack_message(rich), _tally_of(as_str(shown))
        )

    async def shown(self, team: str, message_key: str, tally: Tally) -> None:
        """The message now shows `tally` (only while it is still kept)."""
        key = keys.paper_message(team, message_key)
        await done(self._redis.hset(key, "shown", _tally_text(tally)))
        await self._redis.expire(key, MESSAGE_MAP_TTL, xx=True)

    async def claim(self, team: str, channel: ChannelRef, arxiv_id: str) -> EarlierPost | None:
        """None: nobody posted the paper in `channel` this week, and this caller now may (for
        CLAIM_TTL s, or until it posts); else the copy already there, or being posted."""
        key = _latest_key(team, channel, arxiv_id)
        if await self._redis.set(key, _PENDING, nx=True, ex=CLAIM_TTL):
            return None
        raw = await self._redis.get(key)
        if raw is None:  # expired in between: ask again
            return await self.claim(team, channel, arxiv_id)
        if as_str(raw) == _PENDING:
            return EarlierPost(None)
        data = json.loads(raw)
        return EarlierPost(MessageRef.model_validate(data["ref"]), data.get("link"))

    async def release(self, team: str, channel: ChannelRef, arxiv_id: str) -> None:
        """Give up a claim that will not be posted (the look-up failed)."""
        key = _latest_key(team, channel, arxiv_id)
        await done(self._redis.eval(_RELEASE, 1, key, _PENDING))


def _latest_key(team: str, channel: ChannelRef, arxiv_id: str) -> str:
    return keys.channel_paper(team, channel.key, arxiv_id)


def _tally_text(tally: Tally) -> str:
    return f"{tally.up}:{tally.down}"


def _tally_of(text: str) -> Tally:
    up, _, down = text.partition(":")
    return Tally(up=int(up or 0), down=int(down or 0))


# -- live vote counts ----------------------------------------------------------------------------------
@dataclass
class _Owned:
    """This process owns the next edit of one message; `voted`: a vote arrived since the
    owner last read the tally (the owner re-arms rather than let it go unshown)."""

    token: str
    voted: bool = False


class LiveVotes:
    """Keeps the vote line of every paper message in step with its team's votes."""

    def __init__(
        self,
        redis: Redis,
        posts: PaperPosts,
        votes: VoteStore,
        teams: TeamStore,
        chats: Mapping[str, ChatPort],
        *,
        interval: float,
    ) -> None:
        self._redis = redis
        self._posts = posts
        self._votes = votes
        self._teams = teams
        self._chats = chats
        self.interval = interval
        self._arm_script = BatchedScript(redis, _ARM)
        self._finish_script = redis.register_script(_FINISH)
        self._abandon_script = redis.register_script(_ABANDON)
        self._owned: dict[str, _Owned] = {}
        self._arming: dict[str, bool] = {}  # member -> a vote arrived while it was being armed
        self._tasks: set[asyncio.Task[object]] = set()
        self._sweeper: asyncio.Task[object] | None = None
        self._stopping = asyncio.Event()
        self.quiet = QuietLog(log)

    @property
    def busy(self) -> int:
        """Edits being armed, awaited or made in this process (the sweeper aside)."""
        return len(self._tasks - {self._sweeper} if self._sweeper else self._tasks)

    # -- the reaction path -------------------------------------------------------------------
    def changed(self, team: str, message: MessageRef) -> None:
        """A vote on `message` (in `team`) changed its paper's tally: an edit will follow.
        Returns at once; nothing is awaited on the reaction's path, and while this process
        owns the message's edit or is arming it, a vote costs a dict look-up."""
        member = _member(team, message.key)
        owned = self._owned.get(member)
        if owned is not None:
            owned.voted = True
        else:
            self._arm_soon(member)

    # -- lifespan ----------------------------------------------------------------------------
    @asynccontextmanager
    async def running(self) -> AsyncIterator[LiveVotes]:
        """Sweep the pending edits (left by stopped processes) while the block runs; on exit,
        hand this process's edits back so that the next process to sweep makes them."""
        self._sweeper = self._spawn(self._sweep_forever())
        try:
            yield self
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop sweeping, stop waiting for edits, and hand the edits back (see `running`)."""
        self._stopping.set()  # the sweeper ends between two sweeps, never mid-command
        owned, tasks = dict(self._owned), list(self._tasks - {self._sweeper})
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        if self._sweeper is not None:
            await self._sweeper
        with suppress(RedisError, OSError):
            for member, mine in owned.items():
                team, message_key = _parts(member)
                marker = keys.vote_edit(team, message_key)
                await self._abandon_script(args=[marker, mine.token])

    async def sweep(self) -> int:
        """Claim the pending edits that are due and whose owner is gone; how many were."""
        now = time.time()
        due = await self._redis.zrangebyscore(keys.VOTE_EDITS, "-inf", now, 0, SWEEP_BATCH)
        claimed = 0
        for raw in due:
            member = as_str(raw)
            team, message_key = _parts(member)
            if member not in self._owned and await self._arm(team, message_key):
                claimed += 1
        return claimed

    # -- arming and owning an edit -----------------------------------------------------------
    def _arm_soon(self, member: str) -> None:
        """Arm the message's edit for a vote, unless an arm for it is already on its way."""
        if member in self._arming:
            self._arming[member] = True
        else:
            self._arming[member] = False
            self._spawn(self._arm_for_votes(member))

    async def _arm_for_votes(self, member: str) -> None:
        """Arm for the votes on the message, those arriving meanwhile included: when the arm
        is lost (another process owns the edit, or none here can edit the platform), its owner
        may have read the tally before one of them was counted, so arm once more for them."""
        try:
            while not await self._arm(*_parts(member)) and self._arming[member]:
                self._arming[member] = False
        finally:
            del self._arming[member]

    async def _arm(self, team: str, message_key: str) -> bool:
        """Try to own the next edit of the message; start waiting for it when this process
        does. False when another process owns it (or none here can edit its platform)."""
        member, token = _member(team, message_key), secrets.token_hex(8)
        can_edit = _platform(message_key) in self._chats
        args: list[EncodableT] = [
            keys.vote_edit(team, message_key),
            token,
            self._marker_ms,
            keys.VOTE_EDITS,
            member,
            time.time() + (self.interval if can_edit else 0),
            int(can_edit),
        ]
        try:
            won = bool(await self._arm_script(args))
        except (RedisError, OSError) as exc:
            self.quiet.warning("could not arm a vote-count edit (%s)", type(exc).__name__)
            return False
        if won and member not in self._owned:
            self._owned[member] = _Owned(token)
            self._spawn(self._own(team, message_key))
        return won

    @property
    def _marker_ms(self) -> int:
        return int((self.interval + EDIT_GRACE) * 1000)

    async def _own(self, team: str, message_key: str) -> None:
        """Edit the message after each interval until its tally stays put; then let go."""
        member = _member(team, message_key)
        failures = 0
        try:
            while (mine := self._owned.get(member)) and not self._stopping.is_set():
                await asyncio.sleep(self._pause(failures))
                mine.voted = False
                try:
                    outcome = await self._edit_once(team, message_key, mine.token)
                except Exception as exc:  # a platform or Redis fault: try again, then later
                    failures += 1
                    self.quiet.warning("a vote-count edit failed (%s)", type(exc).__name__)
                    if failures >= RETRY_LIMIT:
                        await self._retry_later(team, message_key, mine.token)
                        return
                    continue
                failures = 0
                if outcome != 1:
                    self._let_go(member, mine)
                    return
        finally:
            self._owned.pop(member, None)

    def _pause(self, failures: int) -> float:
        return self.interval if not failures else min(self.interval * 2**failures, RETRY_LATER)

    def _let_go(self, member: str, mine: _Owned) -> None:
        """Released: a local vote that arrived while the release was on its way would go
        unshown (it found this process the owner), so arm again for it."""
        self._owned.pop(member, None)
        if mine.voted:
            self._arm_soon(member)

    async def _edit_once(self, team: str, message_key: str, token: str) -> int:
        """One edit (when the count moved); then the FINISH script's verdict (1 = again)."""
        posted = await self._posts.load(team, message_key)
        chat = self._chats.get(_platform(message_key))
        if posted is None or chat is None or posted.rich.paper_id is None:
            await self._forget(team, message_key, gone=posted is None)
            return -1
        ledger = await self._teams.ledger(team)
        tally = await self._votes.tally(ledger, posted.rich.paper_id)
        if tally != posted.shown:
            if not await chat.update(posted.ref, with_tally(posted.rich, tally)):
                await self._forget(team, message_key, gone=True)  # deleted, or too old
                return -1
            await self._posts.shown(team, message_key, tally)
        tallies = [keys.tallies(t) for t in ledger]
        args: list[EncodableT] = [keys.vote_edit(team, message_key), token, self._marker_ms, keys.VOTE_EDITS,
                _member(team, message_key), time.time() + self.interval, tally.up, tally.down,
                posted.rich.paper_id, *tallies]  # fmt: skip
        return int(await self._finish_script(args=args))

    async def _forget(self, team: str, message_key: str, *, gone: bool) -> None:
        """No edit of the message is pending any more; `gone`: none ever will be."""
        async with self._redis.pipeline(transaction=False) as pipe:
            if gone:
                pipe.delete(keys.paper_message(team, message_key))
            pipe.delete(keys.vote_edit(team, message_key))
            pipe.zrem(keys.VOTE_EDITS, _member(team, message_key))
            await pipe.execute()

    async def _retry_later(self, team: str, message_key: str, token: str) -> None:
        with suppress(RedisError, OSError):
            await self._abandon_script(args=[keys.vote_edit(team, message_key), token])
            member = _member(team, message_key)
            await self._redis.zadd(keys.VOTE_EDITS, {member: time.time() + RETRY_LATER})

    async def _sweep_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except (RedisError, OSError) as exc:
                self.quiet.warning(
                    "could not sweep the pending vote edits (%s)", type(exc).__name__
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    def _spawn(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _member(team: str, message_key: str) -> str:
    return f"{team}\t{message_key}"


def _parts(member: str) -> tuple[str, str]:
    team, _, message_key = member.partition("\t")
    return team, message_key


def _platform(message_key: str) -> str:
    return message_key.partition(":")[0]


class NoticingChat:
    """A ChatPort that reports each paper message it posts (`posted(ref, message)`): digests
    go through it so that their entries are kept like answers are."""

    def __init__(
        self, chat: ChatPort, posted: Callable[[MessageRef, RichMessage], Awaitable[None]]
    ) -> None:
        self._chat = chat
        self._posted = posted
        self.platform = chat.platform

    async def post(self, channel: ChannelRef, message: RichMessage) -> MessageRef:
        ref = await self._chat.post(channel, message)
        if message.paper_id:
            await self._posted(ref, message)
        return ref

    async def update(self, message: MessageRef, rich: RichMessage) -> bool:
        return await self._chat.update(message, rich)

    async def permalink(self, team: str, message: MessageRef) -> str | None:
        return await self._chat.permalink(team, message)

    async def install_team(self) -> str | None:
        return await self._chat.install_team()

    async def team_of(self, channel: ChannelRef) -> str | None:
        return await self._chat.team_of(channel)
