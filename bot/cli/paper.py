"""`paperboy paper QUERY`: the same answer `/paper` gives, in the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import Paperboy
from bot.cli.common import err, run_async, settings_or_exit
from bot.cli.show import paper_json, print_json, print_message
from bot.domain import Language
from bot.render import render_paper


def paper(
    query: Annotated[str, typer.Argument(help="arXiv id, arXiv/HF/alphaXiv link, or keywords")],
    lang: Annotated[
        Language | None, typer.Option(help="summary language (default: PAPERBOY_LANGUAGE)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Summarise one paper."""
    settings = settings_or_exit(quiet=as_json)

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            with err.status("looking the paper up…"):
                found = await app.lookup.find(query)
            language = lang or settings.language
            with err.status(f"summarising {found.paper.arxiv_id} in {language}…"):
                summary = await app.summarizer.summarize(found.paper, language)
            if as_json:
                print_json(paper_json(found.paper, summary))
                return
            print_message(
                render_paper(found.paper, summary, await app.votes.tally(found.paper.arxiv_id))
            )
            for alt in found.alternatives:
                err.print(f"also matches: {alt.arxiv_id}  {alt.title[:90]}", highlight=False)

    run_async(main, settings)
