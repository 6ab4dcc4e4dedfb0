"""The conversation log: every message between a consumer, the bot and agents, verbatim."""
