"""The web chat at ``/chat`` on the bot's HTTP port: a page in Chinese and English that
talks to the same engine through the same pipeline as the Telegram front end.

A browser is known by a session cookie (``sessions``); its messages and photos pass the
flood guard, the handoff check and the engine's REST channel (``pipeline``), every message
in and out goes to the api's conversation log, and the answer comes back in the response.
Agent replies and surveys wait in the api's outbound queue for channel ``web``: ``pump``
leases those of connected browsers and pushes them down a Server-Sent Events stream
(``stream``). ``routes`` is the HTTP surface, ``static/`` the page.
"""
