"""The Telegram front end (aiogram 3): consumers chat with the assistant in private chats.

An update enters through ``intake`` (deduplicated by update_id in the bot's ``store``,
queued in its user's lane, flood-limited, albums gathered), is routed by the handlers of
``routers``, and reaches the engine's REST channel through ``relay``, which shows the answer
with ``replies`` and keeps messages for later while the engine is out of reach. Files go to
the api through ``attachments``; every message in and out is written to the api's
conversation log by ``conversation_log``. Calls to Telegram pass ``outbound`` (pacing,
flood waits, blocked users). ``courier`` delivers the api's outbound queue (surveys,
reminders) and ``agents`` lets people take over chats in the forum topics of the agents'
supergroup. ``front_end`` starts and stops it all, by long polling or through the webhook
route of the bot's HTTP app (``bot.http_app``).
"""
