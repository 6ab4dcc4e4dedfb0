"""Agent takeover: handoffs worked by people in the forum topics of a Telegram supergroup."""
