"""`paperboy paper QUERY`: the same answer `/paper` gives, in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import err, print_json, run_async, settings_or_exit
from bot.i18n import N_, language_name, t
from bot.languages import Language

if TYPE_CHECKING:
    from bot.app import Paperboy
    from bot.domain import Paper

# What a command needs to run is imported inside it (bot.cli.common says why).


def paper(
    query: Annotated[str, typer.Argument(help="arXiv id, arXiv/HF/alphaXiv link, or keywords")],
    lang: Annotated[
        Language | None, typer.Option(help="summary language (default: PAPERBOY_LANGUAGE)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    deep: Annotated[
        bool,
        typer.Option(
            "--deep", help="review the full text: problem, method, results, limitations (cited)"
        ),
    ] = False,
) -> None:
    """Summarise one paper (`--deep`: from its full text, each point cited to a section)."""
    from bot.app import Paperboy  # noqa: PLC0415
    from bot.cli.show import paper_json, print_message  # noqa: PLC0415
    from bot.domain import Tally  # noqa: PLC0415
    from bot.render import render_paper  # noqa: PLC0415

    settings = settings_or_exit(quiet=as_json)
    language = lang or settings.language

    async def main() -> None:
        async with Paperboy.open(settings) as app:
            with err.status(t("looking the paper up…", language)):
                found = await app.lookup.find(query)
            if deep:
                await print_deep(app, found.paper, language, as_json=as_json)
                return
            summarising = N_("summarising {id} in {language}…")
            name, ref = language_name(language, language), found.paper.arxiv_id
            with err.status(t(summarising, language, id=ref, language=name)):
                summary = await app.summarizer.summarize(found.paper, language)
            if as_json:
                print_json(paper_json(found.paper, summary))
                return
            print_message(
                render_paper(found.paper, summary, Tally())  # no team here: no team's votes
            )
            for alt in found.alternatives:
                title = alt.title[:90]
                also = t("also matches: {id}  {title}", language, id=alt.arxiv_id, title=title)
                err.print(also, highlight=False)

    run_async(main, settings)


async def print_deep(app: Paperboy, paper: Paper, language: Language, *, as_json: bool) -> None:
    """`--deep`: the same review `/paper deep` posts (full text from arxiv.org, cached)."""
    from bot.cli.show import print_message  # noqa: PLC0415
    from bot.render import render_deep  # noqa: PLC0415

    assert app.services.ask is not None  # Paperboy.open() always wires it
    reading = N_("reading {id}'s full text and reviewing it in {language}…")
    name = language_name(language, language)
    with err.status(t(reading, language, id=paper.arxiv_id, language=name)):
        review = await app.services.ask.get().qa.deep(paper, language)
    if as_json:
        print_json(
            {
                "paper": {"id": paper.arxiv_id, "version": paper.version, "title": paper.title},
                "deep": review.model_dump(mode="json"),
            }
        )
        return
    print_message(render_deep(paper, review))
