"""`paperboy digest --post --channel slack:C123`: post this week's digest now, exactly once.

The delivery key is the scheduled digest's (channel, ISO week in the channel's time zone), so
the same DigestPoster ledger decides: posted now, already posted this week, or being posted by
a worker at this moment. The chat port comes from the composition root like a worker's.
"""

from __future__ import annotations

from bot.app import TOKENS, Paperboy
from bot.cli.common import err, out
from bot.cli.show import print_json
from bot.config import Settings
from bot.domain import ChannelRef
from bot.errors import ConfigError
from bot.services.poster import Delivery, Outcome


async def post_digest_now(settings: Settings, channel: ChannelRef, *, as_json: bool) -> None:
    if channel.platform not in TOKENS:
        raise ConfigError(f"cannot post in {channel.platform!r}: use slack:… or discord:…")
    async with Paperboy.open(settings, platforms=[channel.platform]) as app:
        due = await app.due_now(channel)
        plan = await app.services.plan(channel, due=due)
        days = plan.window.label(plan.language)
        with err.status(f"posting the digest of {days} in {channel.key}…"):
            delivery = await app.deliver(due)
    report(channel, due.week, days, delivery, as_json=as_json)


def report(channel: ChannelRef, week: str, days: str, delivery: Delivery, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "channel": channel.key,
                "week": week,
                "covers": days,
                "outcome": delivery.outcome.value,
                "posted": delivery.posted,
            }
        )
        return
    where = f"{channel.key} (papers of {days})"
    if delivery.outcome is Outcome.POSTED:
        out.print(f"posted {delivery.posted} message(s) in {where}", highlight=False)
    elif delivery.outcome is Outcome.ALREADY_DONE:
        out.print(f"this week's digest was already posted in {where}: nothing posted")
    else:
        out.print(f"a worker is posting this week's digest in {where} right now: nothing posted")
