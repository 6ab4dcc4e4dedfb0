"""The tracker store in Redis: a list of serialised events per conversation, and the
pending reminders in a sorted set by fire time.

Keys: ``<prefix>tracker:<id>`` (list of event JSON, oldest first; with
``expire_seconds`` it disappears after that long without an append, as Rasa's
``record_exp``), ``<prefix>reminders`` (sorted set: reminder id → fire time) and
``<prefix>reminder-data`` (hash: reminder id → reminder JSON). A reminder's id is the JSON
pair ``[sender_id, name]``. Appends and claims are Lua scripts, so each is one atomic step.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.engine.tracker_store import EventSequenceTaken, StoredReminder

_SEQUENCE_TAKEN = "SEQUENCE_TAKEN"

# KEYS: events. ARGV: first sequence number, expiry in seconds (0: none), events...
_APPEND = f"""
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then
  return redis.error_reply('{_SEQUENCE_TAKEN}')
end
redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""

# KEYS: reminders, reminder data. ARGV: id, expected fire time ('' for any).
# Returns 1 when this call removed the reminder.
_DELETE_REMINDER = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
if ARGV[2] ~= '' and tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""


class RedisTrackerStore:
    def __init__(self, redis: Redis, *, key_prefix: str, expire_seconds: int = 0) -> None:
        self._redis = redis
        self._prefix = key_prefix
        self._expire_seconds = expire_seconds
        self.expires_conversations = expire_seconds > 0
        self._reminders_key = f"{key_prefix}reminders"
        self._reminder_data_key = f"{key_prefix}reminder-data"
        self._append = redis.register_script(_APPEND)
        self._delete_reminder = redis.register_script(_DELETE_REMINDER)

    async def create_schema(self) -> None:
        """Redis needs no schema; a failed ping here stops a start that could not work."""
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()

    def _events_key(self, sender_id: str) -> str:
        return f"{self._prefix}tracker:{sender_id}"

    async def load_events(self, sender_id: str) -> list[dict[str, Any]]:
        items = await self._redis.lrange(self._events_key(sender_id), 0, -1)
        return [json.loads(item) for item in items]

    async def event_count(self, sender_id: str) -> int:
        return int(await self._redis.llen(self._events_key(sender_id)))

    async def append_events(
        self, sender_id: str, first_seq: int, events: list[dict[str, Any]]
    ) -> None:
        if not events:
            return
        encoded = [json.dumps(event, ensure_ascii=False) for event in events]
        try:
            await self._append(
                [self._events_key(sender_id)], [first_seq, self._expire_seconds, *encoded]
            )
        except ResponseError as error:
            if _SEQUENCE_TAKEN in str(error):
                raise EventSequenceTaken(sender_id, first_seq) from error
            raise

    async def conversation_ids(self) -> list[str]:
        prefix = self._events_key("")
        pattern = f"{_escape_glob(prefix)}*"
        found = {key[len(prefix) :] async for key in self._redis.scan_iter(match=pattern)}
        return sorted(found)

    # reminders ---------------------------------------------------------------------------

    async def save_reminder(self, reminder: StoredReminder) -> None:
        reminder_id = _reminder_id(reminder.sender_id, reminder.name)
        data = {
            "sender_id": reminder.sender_id,
            "name": reminder.name,
            "intent": reminder.intent,
            "entities": reminder.entities,
            "fire_at": reminder.fire_at,
            "kill_on_user_message": reminder.kill_on_user_message,
        }
        async with self._redis.pipeline(transaction=True) as transaction:
            transaction.zadd(self._reminders_key, {reminder_id: reminder.fire_at})
            transaction.hset(
                self._reminder_data_key, reminder_id, json.dumps(data, ensure_ascii=False)
            )
            await transaction.execute()

    async def delete_reminder(
        self, sender_id: str, name: str, *, fire_at: float | None = None
    ) -> bool:
        expected = "" if fire_at is None else repr(fire_at)
        removed = await self._delete_reminder(
            [self._reminders_key, self._reminder_data_key],
            [_reminder_id(sender_id, name), expected],
        )
        return bool(int(removed))

    async def reminders(
        self, sender_id: str | None = None, *, due_before: float | None = None
    ) -> list[StoredReminder]:
        latest: float | str = "+inf" if due_before is None else due_before
        ids = await self._redis.zrangebyscore(self._reminders_key, "-inf", latest)
        if sender_id is not None:
            ids = [item for item in ids if json.loads(item)[0] == sender_id]
        if not ids:
            return []
        found = await self._redis.hmget(self._reminder_data_key, ids)
        return [_reminder_from_json(data) for data in found if data is not None]


def _reminder_id(sender_id: str, name: str) -> str:
    return json.dumps([sender_id, name], ensure_ascii=False)


def _reminder_from_json(data: str) -> StoredReminder:
    fields = json.loads(data)
    return StoredReminder(
        sender_id=fields["sender_id"],
        name=fields["name"],
        intent=fields["intent"],
        entities=fields["entities"],
        fire_at=float(fields["fire_at"]),
        kill_on_user_message=bool(fields["kill_on_user_message"]),
    )


def _escape_glob(text: str) -> str:
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)
