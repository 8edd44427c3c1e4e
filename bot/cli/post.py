"""`paperboy digest --post --channel slack:C123`: post this week's digest now, exactly once.

The delivery key is the scheduled digest's (channel, ISO week in the channel's time zone), so
the same DigestPoster ledger decides: posted now, already posted this week, or being posted by
a worker at this moment. The chat port is built from the platform's token like a worker's.
"""

from __future__ import annotations

from bot.app import Paperboy
from bot.cli.common import err, out
from bot.cli.show import print_json
from bot.config import Settings
from bot.domain import ChannelRef
from bot.errors import ConfigError
from bot.services.poster import Delivery, DigestPoster, Outcome
from bot.services.schedule import DueDigest, parse_zone
from bot.weeks import iso_week
from bot.worker import deliver_digest, scheduler_for

TOKENS = {"slack": "SLACK_BOT_TOKEN", "discord": "DISCORD_TOKEN"}


async def post_digest_now(settings: Settings, channel: ChannelRef, *, as_json: bool) -> None:
    from adapters.ports import open_chat_ports  # noqa: PLC0415  (platform SDKs load lazily)

    if channel.platform not in TOKENS:
        raise ConfigError(f"cannot post in {channel.platform!r}: use slack:… or discord:…")
    async with (
        Paperboy.open(settings) as app,
        open_chat_ports(settings, [channel.platform]) as chats,
    ):
        chat = chats.get(channel.platform)
        if chat is None:
            raise ConfigError(f"{TOKENS[channel.platform]}: set it to post in {channel.platform}")
        poster = DigestPoster(app.redis, app.channels, lease=settings.digest_lease)
        due = await this_week(app, poster, channel)
        with err.status(f"posting the digest of {due.covers} in {channel.key}…"):
            delivery = await deliver_digest(app, poster, chat, due)
    report(due, delivery, as_json=as_json)


async def this_week(app: Paperboy, poster: DigestPoster, channel: ChannelRef) -> DueDigest:
    """A digest due now in `channel` (on time), keyed by this ISO week in its time zone."""
    config = await app.channels.config(channel)
    zone = parse_zone(config.timezone or app.settings.timezone)
    now = scheduler_for(app, poster).clock().astimezone(zone)
    return DueDigest(channel, iso_week(now), now, late=False)


def report(due: DueDigest, delivery: Delivery, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "channel": due.channel.key,
                "week": due.week,
                "covers": due.covers,
                "outcome": delivery.outcome.value,
                "posted": delivery.posted,
            }
        )
        return
    where = f"{due.channel.key} (week {due.week})"
    if delivery.outcome is Outcome.POSTED:
        out.print(f"posted {delivery.posted} message(s) in {where}", highlight=False)
    elif delivery.outcome is Outcome.ALREADY_DONE:
        out.print(f"this week's digest was already posted in {where}: nothing posted")
    else:
        out.print(f"a worker is posting this week's digest in {where} right now: nothing posted")
