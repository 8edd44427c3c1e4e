"""Every Redis key family Paperboy writes, named once.

Two scopes:

- **Team** (`t:{team}:…`): votes, tallies, leaderboards, message→paper maps, shared papers,
  channel settings, rate-limit counters and digest deliveries belong to one team — a Slack
  workspace (`slack:T123`), a Discord server (`discord:456`) or one user's direct messages
  (`slack:@U123`). Nothing under one team's prefix is read for another, except through an
  explicit link (`team_links`), which only widens what is *read*: votes stay where they were cast,
  so unlinking splits them again.
- **Shared** (no team): paper metadata, summaries, full texts and the LLM's budget are public or
  cost money, so every team reuses them; the job queue, locks and pacing are the deployment's.

Every key starts with `PREFIX`. Lua scripts that build keys from these parts say so next to
the script and take the parts from here.
"""

from __future__ import annotations

PREFIX = "pb:"

# -- registries (the deployment's) -----------------------------------------------------------------
CHANNELS = f"{PREFIX}channel-teams"  # hash: channel key (slack:C123) -> team key (slack:T123)
TEAM_GROUP = f"{PREFIX}teamgroup"  # hash: team key -> group id, for linked teams
LAYOUT = f"{PREFIX}layout"  # the storage layout version the data is in (migrations)
LINK_CODES = f"{PREFIX}linkcode:"  # + code -> team key that offered a link (short TTL)
INSTALLS = f"{PREFIX}installs"  # hash: platform -> the team a single-team install serves


def group_members(group: str) -> str:
    """Set of the team keys linked into `group`."""
    return f"{PREFIX}group:{group}"


# -- one team's keys --------------------------------------------------------------------------------
def team(team_key: str) -> str:
    """The prefix of everything one team owns (votes, maps, settings, digests)."""
    return f"{PREFIX}t:{team_key}:"


def votes(team_key: str, arxiv_id: str) -> str:
    """Hash: user -> that user's reactions on the paper (see `bot.services.votes`)."""
    return f"{team(team_key)}v:{arxiv_id}"


def tallies(team_key: str) -> str:
    """Hash: `{paper}:u` / `{paper}:d` -> up / down votes of all time."""
    return f"{team(team_key)}tally"


def week_tallies(team_key: str, week: str) -> str:
    """Hash: `{paper}:u` / `{paper}:d` -> votes cast in ISO week `week`."""
    return f"{team(team_key)}wtally:{week}"


def leaderboard(team_key: str, week: str | None) -> str:
    """Sorted set: paper -> net votes, of one ISO week or of all time."""
    return f"{team(team_key)}lb:{week or 'all'}"


def message(team_key: str, message_key: str) -> str:
    """String: the paper a Paperboy message (`slack:C123:1712.0001`) shows."""
    return f"{team(team_key)}msg:{message_key}"


def paper_message(team_key: str, message_key: str) -> str:
    """Hash: what re-rendering a posted paper message needs (`ref`, `rich`, `shown` tally)."""
    return f"{team(team_key)}pmsg:{message_key}"


def vote_edit(team_key: str, message_key: str) -> str:
    """Marker (a token, with a TTL): the process that owns the next vote-count edit of a
    paper message (`bot.services.live_votes`)."""
    return f"{team(team_key)}vedit:{message_key}"


def channel_paper(team_key: str, channel_key: str, arxiv_id: str) -> str:
    """String (JSON): the paper's latest message in a channel and its link, for a week; a
    short-lived claim while it is being posted."""
    return f"{team(team_key)}posted:{channel_key}:{arxiv_id}"


def channel_settings(team_key: str, channel_key: str) -> str:
    """String (JSON): a channel's stored overrides of the settings."""
    return f"{team(team_key)}chan:{channel_key}"


def shared(team_key: str, channel_key: str) -> str:
    """Sorted set: `{paper} {message id}` -> when that message linked the paper (Unix time)."""
    return f"{team(team_key)}shared:{channel_key}"


def user_locale(user_key: str) -> str:
    """String: the platform locale of a user (`slack:U123` -> `ko-KR`), cached with a TTL. A user
    is one person on one platform, not a team's: Slack user ids are global."""
    return f"{PREFIX}locale:{user_key}"


def rate(team_key: str, user_key: str) -> str:
    """Counter: a user's LLM-backed requests in the current hour."""
    return f"{team(team_key)}rate:{user_key}"


def digest(team_key: str, channel_key: str, week: str) -> str:
    """Prefix of one delivery's keys (`:lease`, `:content`, `:posted`, `:done`)."""
    return f"{team(team_key)}digest:{channel_key}:{week}"


def thread_turns(team_key: str, thread_key: str) -> str:
    """List (JSON turns): a thread's last questions and answers about its paper (TTL)."""
    return f"{team(team_key)}turns:{thread_key}"


def thread(team_key: str, message_key: str) -> str:
    """String (JSON): the paper and thread key of a thread Paperboy answered in, stored under the
    thread's parent message and under each of Paperboy's answers that is a reply (TTL)."""
    return f"{team(team_key)}thread:{message_key}"


def translation(team_key: str, message_key: str, language: str) -> str:
    """Marker: a flag reaction's translation of a paper message was posted (once per language)."""
    return f"{team(team_key)}translated:{message_key}:{language}"


def schedule_attempt(team_key: str, channel_key: str, week: str) -> str:
    """Marker (and `:failures`, `:wait`) of a scheduled digest's attempts."""
    return f"{team(team_key)}sched:{channel_key}:{week}"


# -- platform events (ids are unique per platform) --------------------------------------------------
def event(platform: str, event_id: str) -> str:
    """Marker of one platform event id already handled (platforms redeliver)."""
    return f"{PREFIX}event:{platform}:{event_id}"


# -- shared by every team ----------------------------------------------------------------------------
KNOWN_PAPERS = f"{PREFIX}known"  # hash: id -> Paper JSON, every paper Paperboy has met
ARXIV_PACING = f"{PREFIX}ratelimit:arxiv"
SCHEDULER_TICK = f"{PREFIX}sched:tick"
QUEUE = f"{PREFIX}queue"
# sorted set: `{team}<TAB>{message key}` -> when its vote-count edit is due (swept at start)
VOTE_EDITS = f"{PREFIX}vote-edits"


def paper(arxiv_id: str) -> str:
    return f"{PREFIX}paper:{arxiv_id}"


def summary(arxiv_id: str, version: int, language: str, prompt: str, model: str) -> str:
    return f"{PREFIX}summary:{arxiv_id}:{version}:{language}:{prompt}:{model}"


def trend(digest_hash: str, language: str, prompt: str, model: str) -> str:
    return f"{PREFIX}trend:{digest_hash}:{language}:{prompt}:{model}"


def fulltext(arxiv_id: str, version: int | None) -> str:
    """String: a paper's parsed full text, zlib-compressed JSON (`bot.services.fulltext`)."""
    return f"{PREFIX}fulltext:{arxiv_id}:{version or 'latest'}"


def passage_vectors(arxiv_id: str, version: int | None, model: str) -> str:
    """Hash: passage number -> its embedding (float32 bytes) under `model`."""
    return f"{PREFIX}vectors:{arxiv_id}:{version or 'latest'}:{model}"


def answer(arxiv_id: str, version: int | None, question_hash: str, model: str) -> str:
    """String (JSON): a grounded answer to one question (with its thread context) about a paper."""
    return f"{PREFIX}answer:{arxiv_id}:{version or 'latest'}:{question_hash}:{model}"


def deep_summary(arxiv_id: str, version: int | None, language: str, prompt: str, model: str) -> str:
    """String (JSON): a paper's deep summary (problem, method, results, limitations)."""
    return f"{PREFIX}deep:{arxiv_id}:{version or 'latest'}:{language}:{prompt}:{model}"


def llm_tokens(month: str) -> str:
    return f"{PREFIX}llm:tokens:{month}"


def llm_calls(month: str) -> str:
    return f"{PREFIX}llm:calls:{month}"


def lock(name: str) -> str:
    return f"{PREFIX}lock:{name.removeprefix(PREFIX)}"


def lock_attempt(name: str, token: str) -> str:
    return f"{PREFIX}attempt:{name.removeprefix(PREFIX)}:{token}"
