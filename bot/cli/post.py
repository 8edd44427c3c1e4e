"""`paperboy digest --post --channel slack:C123`: post this week's digest now, exactly once.

The delivery key is the scheduled digest's (channel, ISO week in the channel's time zone), so
the same DigestPoster ledger decides: posted now, already posted this week, or being posted by
a worker at this moment. The chat port comes from the composition root like a worker's.
"""

from __future__ import annotations

from bot.app import TOKENS, Paperboy
from bot.cli.common import cli_language, err, out, print_json
from bot.config import Settings
from bot.domain import ChannelRef, Language
from bot.errors import ConfigError
from bot.i18n import N_, lazy, t
from bot.services.poster import Delivery, Outcome


async def post_digest_now(settings: Settings, channel: ChannelRef, *, as_json: bool) -> None:
    if channel.platform not in TOKENS:
        refusal = N_("cannot post in {platform}: use slack:… or discord:…")
        raise ConfigError(lazy(refusal, platform=repr(channel.platform)))
    language = cli_language(settings)
    async with Paperboy.open(settings, platforms=[channel.platform]) as app:
        due = await app.due_now(channel)
        plan = await app.services.plan(channel, due=due)
        days = plan.window.label(language)
        posting = N_("posting the digest of {days} in {channel}…")
        with err.status(t(posting, language, days=days, channel=channel.key)):
            delivery = await app.deliver(due)
    if as_json:  # the days as the channel reads them, like the digest's header
        report_json(channel, due.week, plan.window.label(plan.language), delivery)
    else:
        report(channel, days, delivery, language)


def report_json(channel: ChannelRef, week: str, covers: str, delivery: Delivery) -> None:
    print_json(
        {
            "channel": channel.key,
            "week": week,
            "covers": covers,
            "outcome": delivery.outcome.value,
            "posted": delivery.posted,
        }
    )


def report(channel: ChannelRef, days: str, delivery: Delivery, language: Language) -> None:
    """What happened, in `language`: posted now, posted before, or being posted elsewhere."""
    where = t("{channel} (papers of {days})", language, channel=channel.key, days=days)
    if delivery.outcome is Outcome.POSTED:
        # The English text keeps "message(s)": tests/integration/test_one_plan.py reads it.
        text = t("posted {n} message(s) in {where}", language, n=delivery.posted, where=where)
    elif delivery.outcome is Outcome.ALREADY_DONE:
        done = N_("this week's digest was already posted in {where}: nothing posted")
        text = t(done, language, where=where)
    else:
        text = t(
            "a worker is posting this week's digest in {where} right now: nothing posted",
            language,
            where=where,
        )
    out.print(text, highlight=False)
