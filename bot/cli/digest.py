"""`paperboy digest --preview` prints a week's digest; `--post --channel` posts it now.

Posting goes through the same exactly-once key as the scheduled digest of that channel and
week (`bot/worker.py`): posting by hand on Monday morning means the 09:00 run finds it done,
and a digest already posted this week is not posted again. Whoever can run the CLI with the
bot's tokens is an admin.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import err, fail, print_json, run_async, settings_or_exit
from bot.i18n import N_, lazy, t
from bot.languages import Language

if TYPE_CHECKING:
    from bot.domain import ChannelRef

# What a command needs to run is imported inside it (bot.cli.common says why).

ONE_MODE = N_("choose --preview (print the digest) or --post --channel slack:C123 (post it now)")
POST_OPTIONS = N_("--post takes only --channel (e.g. slack:C123): it posts this week's digest")


def digest(
    preview: Annotated[
        bool, typer.Option("--preview", help="print the digest here, post nothing")
    ] = False,
    post: Annotated[
        bool,
        typer.Option("--post", help="post this week's digest in --channel now (once per week)"),
    ] = False,
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, e.g. 2024-W11 (default: the 7 days before today)"),
    ] = None,
    lang: Annotated[
        Language | None, typer.Option(help="language (default: channel's or PAPERBOY_LANGUAGE)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=30, help="papers in the digest")] = None,
    channel: Annotated[
        str | None, typer.Option(help="use a channel's settings, e.g. slack:C123")
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="use the bundled sample week (offline)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the digest as JSON")] = False,
) -> None:
    """Build a week's digest (ranked picks, summaries, trend) and print it, or post it."""
    from bot.domain import ChannelRef  # noqa: PLC0415

    if preview == post:
        fail(lazy(ONE_MODE), language=lang)
    if post:
        if not channel or week or sample or lang or limit:
            fail(lazy(POST_OPTIONS), language=lang)
        post_now(ChannelRef.parse(channel), as_json=as_json)
        return
    from bot.app import Paperboy  # noqa: PLC0415
    from bot.cli.show import print_message  # noqa: PLC0415
    from bot.render import render_digest  # noqa: PLC0415
    from bot.services.sample import SAMPLE_WEEK  # noqa: PLC0415
    from bot.weeks import parse_week  # noqa: PLC0415

    settings = settings_or_exit(quiet=as_json)
    with_week = parse_week(week) if week else (SAMPLE_WEEK if sample else None)
    where = ChannelRef.parse(channel) if channel else None

    async def main() -> None:
        async with Paperboy.open(settings, sample=sample) as app:
            plan = await app.services.plan(where, week=with_week)
            plan = replace(plan, language=lang or plan.language, limit=limit or plan.limit)
            building = t("building the digest…", lang or settings.language)
            with err.status(building) as status:
                built = await app.digests.build(plan, progress=status.update)
            if as_json:
                picks = [item.paper.arxiv_id for item in built.items]
                print_json({**built.model_dump(mode="json"), "picks": picks})
                return
            for message in render_digest(built):
                print_message(message)

    run_async(main, settings)


def post_now(channel: ChannelRef, *, as_json: bool) -> None:
    """Post the channel's digest of this week now, unless it was posted already."""
    from bot.cli.post import post_digest_now  # noqa: PLC0415  (platform SDKs load lazily)

    settings = settings_or_exit(quiet=as_json)
    run_async(lambda: post_digest_now(settings, channel, as_json=as_json), settings)
