from tests.adapters.discord.conftest import Bot

async def test_smoke(bot: Bot) -> None:
    print(bot.discord.identified[0]["intents"])
    print([ (c.method, c.path) for c in bot.discord.requests])
    iid = await bot.discord.slash("2403.09629")
    calls = await bot.discord.wait_for("POST", "/webhooks/", 1)
    print(bot.discord.calls("/callback")[0].json())
    print(calls[0].json())
