"""`paperboy digest --preview` prints a week's digest; `--post --channel` posts it now.

Posting goes through the same exactly-once key as the scheduled digest of that channel and
week (`bot/worker.py`): posting by hand on Monday morning means the 09:00 run finds it done,
and a digest already posted this week is not posted again. Whoever can run the CLI with the
bot's tokens is an admin.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import Paperboy
from bot.cli.common import err, fail, run_async, settings_or_exit
from bot.cli.show import print_json, print_message
from bot.domain import ChannelRef, Language
from bot.render import render_digest
from bot.services.digest import DigestRequest
from bot.services.sample import SAMPLE_WEEK
from bot.weeks import iso_week, parse_week


def digest(
    preview: Annotated[
        bool, typer.Option("--preview", help="print the digest here, post nothing")
    ] = False,
    post: Annotated[
        bool,
        typer.Option("--post", help="post this week's digest in --channel now (once per week)"),
    ] = False,
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2024-W11 (default: this week)")
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
    if preview == post:
        fail("choose --preview (print the digest) or --post --channel slack:C123 (post it now)")
    if post:
        if not channel or week or sample or lang or limit:
            fail("--post takes only --channel (e.g. slack:C123): it posts this week's digest")
        post_now(ChannelRef.parse(channel), as_json=as_json)
        return
    settings = settings_or_exit(quiet=as_json)
    with_week = parse_week(week) if week else (SAMPLE_WEEK if sample else iso_week())
    where = ChannelRef.parse(channel) if channel else None

    async def main() -> None:
        async with Paperboy.open(settings, sample=sample) as app:
            config = await app.channels.config(where) if where else None
            request = DigestRequest(
                week=with_week,
                channel=where,
                language=lang or (config.language if config else None) or settings.language,
                limit=limit or (config.digest_size if config else None) or settings.digest_size,
                topics=config.topics if config else (),
                categories=config.categories if config else (),
            )
            with err.status("building the digest…") as status:
                built = await app.digests.build(request, progress=status.update)
            if as_json:
                print_json(built.model_dump(mode="json"))
                return
            for message in render_digest(built):
                print_message(message)

    run_async(main, settings)


def post_now(channel: ChannelRef, *, as_json: bool) -> None:
    """Post the channel's digest of this week now, unless it was posted already."""
    from bot.cli.post import post_digest_now  # noqa: PLC0415  (platform SDKs load lazily)

    settings = settings_or_exit(quiet=as_json)
    run_async(lambda: post_digest_now(settings, channel, as_json=as_json), settings)
