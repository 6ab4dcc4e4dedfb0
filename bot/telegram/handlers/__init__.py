"""The consumer-facing aiogram routers, one per concern; ``bot.telegram.routers`` assembles
them."""
