"""`/paper team`: link this team's votes with a team on the other platform, from chat.

    /paper team                 which teams share this team's votes
    /paper team link            a one-time code to enter on the other side (10 minutes)
    /paper team link <code>     join the team that showed the code
    /paper team unlink          stop sharing votes (each team keeps the votes cast in it)

Admins only on both sides: the code is shown only to the admin who asked (ephemeral), works
once, and expires, so nobody can join a team's ledger without an admin of each side.
"""

from __future__ import annotations

from bot.commands.base import (
    CommandContext,
    Reply,
    Services,
    language_for,
    own_language,
    registry,
)
from bot.domain import Language
from bot.i18n import N_, t, tn
from bot.services.teams import CODE_TTL

USAGE = N_(
    "Use `/paper team`, `/paper team link`, `/paper team link <code>` or `/paper team unlink`."
)


@registry.command(
    "team",
    usage="/paper team [link [code] | unlink]",
    help=N_("Share votes with this lab's team on the other platform (admins)."),
    admin_only=True,
)
async def team_command(app: Services, ctx: CommandContext, args: str) -> Reply:
    words = args.split()
    team = await ctx.team_key(app)
    lang = await own_language(app, ctx)  # for what only the admin sees
    if not words:
        return Reply(text=_describe(team, await app.teams.ledger(team), lang), ephemeral=True)
    head = words[0].lower()
    if head == "link" and len(words) == 1:
        code = await app.teams.offer(team)
        text = tn(
            "Enter `/paper team link {code}` as an admin on the other side within {n} minute "
            "to share votes with this team. The code works once.",
            "Enter `/paper team link {code}` as an admin on the other side within {n} minutes "
            "to share votes with this team. The code works once.",
            CODE_TTL // 60,
            lang,
            code=code,
        )
        return Reply(text=text, ephemeral=True)
    if head == "link" and len(words) == 2:
        members = ", ".join(await app.teams.redeem(words[1], team))
        public = await language_for(app, ctx)  # said in the channel: its language
        text = t("Linked: {teams} now share votes and rankings.", public, teams=members)
        return Reply(text=text)
    if head == "unlink" and len(words) == 1:
        await app.teams.unlink(team)
        text = N_("This team no longer shares votes; each team keeps its own votes.")
        return Reply(text=t(text, await language_for(app, ctx)))
    return Reply.error(t(USAGE, lang))


def _describe(team: str, ledger: tuple[str, ...], lang: Language) -> str:
    others = ", ".join(member for member in ledger if member != team)
    if not others:
        text = N_("This team ({team}) shares its votes with no other team. {usage}")
        return t(text, lang, team=team, usage=t(USAGE, lang))
    return t("This team ({team}) shares votes with {others}.", lang, team=team, others=others)
