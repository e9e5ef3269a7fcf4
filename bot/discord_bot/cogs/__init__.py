"""One cog per feature: ask (members), info (/sources, /stats), admin (moderators), feeds (/feed and the poller)."""

EXTENSIONS = (
    "bot.discord_bot.cogs.ask",
    "bot.discord_bot.cogs.info",
    "bot.discord_bot.cogs.admin",
    "bot.discord_bot.cogs.feeds",
)
