"""The topic of a handoff: its name, and the case card posted in it for the agents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.telegram.replies import MAX_TEXT_CHARS

MAX_TOPIC_NAME_CHARS = 128
STATUS_ICONS = {"queued": "🔴", "claimed": "🟡", "resolved": "✅", "cancelled": "⚪"}
LAST_MESSAGES = 10
_SENDER_MARKS = {"customer": "👤", "bot": "🤖", "agent": "🧑‍💼"}


def topic_label(handoff: dict[str, Any], customer_name: str, category: str | None) -> str:
    """Who and what the topic is about: ``#<case> <name> · <category>``."""
    case_id = handoff.get("case_id")
    number = f"#{case_id}" if case_id else f"#H{handoff['id']}"
    parts = [f"{number} {customer_name}"]
    if category:
        parts.append(category)
    return " · ".join(parts)


def topic_name(label: str, status: str, reason: str, agent_name: str | None) -> str:
    """E.g. ``🔴 #123 张三 · air_conditioner · requested`` or ``🟡 … · 李娜``."""
    icon = STATUS_ICONS.get(status, "🔴")
    tail = agent_name if status != "queued" and agent_name else reason
    name = f"{icon} {label} · {tail}"
    if len(name) <= MAX_TOPIC_NAME_CHARS:
        return name
    room = MAX_TOPIC_NAME_CHARS - len(f"{icon}  · {tail}") - 1
    return f"{icon} {label[: max(room, 1)]}… · {tail}"[:MAX_TOPIC_NAME_CHARS]


def case_card(
    handoff: dict[str, Any],
    *,
    customer_name: str,
    language: str,
    case: dict[str, Any] | None,
    attachments: Sequence[dict[str, Any]],
    messages: Sequence[dict[str, Any]],
) -> str:
    """Everything an agent needs at a glance, within one Telegram message."""
    case = case or {}
    warranty = (case.get("warranty_snapshot") or {}).get("status")
    product = (
        " ".join(str(part) for part in (case.get("brand"), case.get("model_code")) if part) or "—"
    )
    if case.get("category"):
        product = f"{product} ({case['category']})"
    files = ", ".join(str(item.get("file_name")) for item in attachments)
    lines = [
        f"🆘 转人工 Handoff H{handoff['id']} · {handoff['reason']} · {handoff['priority']}",
        f"客户 Customer: {customer_name} ({handoff['conversation_id']})",
        f"语言 Language: {language}",
        f"工单 Case: #{handoff['case_id']}" if handoff.get("case_id") else "工单 Case: —",
        f"产品 Product: {product}",
        f"序列号 Serial: {case.get('serial') or '—'}",
        f"保修 Warranty: {warranty or '—'}",
        f"故障 Fault: {case.get('fault_description') or '—'}",
        f"附件 Attachments: {len(attachments)}" + (f" ({files})" if files else ""),
    ]
    if handoff.get("summary"):
        lines.append(f"摘要 Summary:\n{handoff['summary']}")
    if messages:
        lines.append("最近消息 Last messages:")
        lines.extend(_message_line(message) for message in messages[-LAST_MESSAGES:])
    card = "\n".join(lines)
    if len(card) > MAX_TEXT_CHARS:
        card = card[: MAX_TEXT_CHARS - 1] + "…"
    return card


def _message_line(message: dict[str, Any]) -> str:
    mark = _SENDER_MARKS.get(str(message.get("sender_kind")), "•")
    text = " ".join(str(message.get("text") or "").split())
    if len(text) > 200:
        text = text[:199] + "…"
    return f"{mark} {text or '[attachment]'}"
