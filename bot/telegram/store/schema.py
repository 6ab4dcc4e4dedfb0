"""Tables of the bot's store.

The bot creates this small schema at start-up, as the engine does its tracker store: the
rows are short-lived working state (seen updates, button keys, queued messages), not
records anyone reports on, so a future incompatible layout would use new table names
rather than migrate rows.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

updates = sa.Table(
    "bot_updates",
    metadata,
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float, nullable=True, index=True),
)
"""Every update taken in: a redelivered update_id is recognised and dropped; one taken in
but not finished (the process stopped) is handled again at the next start."""

users = sa.Table(
    "bot_users",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("language_chosen", sa.Boolean, nullable=False, default=False),
    sa.Column("blocked_at", sa.Float, nullable=True),
    sa.Column("shared_location", sa.Text, nullable=True),
    sa.Column("updated_at", sa.Float, nullable=False),
)

buttons = sa.Table(
    "bot_buttons",
    metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("keyboard_id", sa.String(32), nullable=False, index=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
)
"""Inline buttons: Telegram carries at most 64 bytes of callback data, so a button carries
a short key and its engine payload stays here."""

keyboard_choices = sa.Table(
    "bot_keyboard_choices",
    metadata,
    sa.Column("keyboard_id", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(32), nullable=False),
    sa.Column("chosen_at", sa.Float, nullable=False),
)
"""One row per keyboard once a button of it was tapped: a keyboard is answered once."""

pending_messages = sa.Table(
    "bot_pending_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("queued_at", sa.Float, nullable=False),
)
"""Messages the engine could not be reached for, replayed in order once it is back."""

held_files = sa.Table(
    "bot_held_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("file_id", sa.String(256), nullable=False),
    sa.Column("file_unique_id", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("file_name", sa.String(256), nullable=True),
    sa.Column("media_type", sa.String(128), nullable=True),
    sa.Column("message_id", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.UniqueConstraint("user_id", "file_unique_id"),
)
"""Photos and documents sent before the consumer had an open case: attached to the case as
soon as one is open."""

handoff_topics = sa.Table(
    "bot_handoff_topics",
    metadata,
    sa.Column("handoff_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("thread_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("agent_id", sa.String(128), nullable=True),
    sa.Column("agent_name", sa.String(200), nullable=True),
    sa.Column("reminded", sa.Boolean, nullable=False, default=False),
    sa.Column("told_after_hours", sa.Boolean, nullable=False, default=False),
    sa.Column("resume_pending", sa.Boolean, nullable=False, default=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
"""Each handoff the bot learnt of and the forum topic agents work it in. A consumer's later
handoffs reuse their topic while it exists. ``resume_pending``: closed while the engine could
not be told to take the conversation back; retried until it can."""

banned_users = sa.Table(
    "bot_banned_users",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("banned_by", sa.String(128), nullable=False),
    sa.Column("banned_at", sa.Float, nullable=False),
)
"""Consumers an agent banned for abuse: their messages are dropped unread."""

outbound_deliveries = sa.Table(
    "bot_outbound_deliveries",
    metadata,
    sa.Column("item_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("lease_token", sa.String(80), nullable=False),
    sa.Column("delivered_at", sa.Float, nullable=False),
    sa.Column("acknowledged_at", sa.Float, nullable=True, index=True),
)
"""Outbound items sent to Telegram, recorded before the api is told: an item leased again
after a crash (or a lost acknowledgement) is acknowledged without being sent twice."""
