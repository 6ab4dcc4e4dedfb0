"""The bot's own small durable store (SQLite by default): what must survive a restart."""
