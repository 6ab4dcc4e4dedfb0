"""Pieces every chat front end (Telegram, the web chat) shares and none owns."""
