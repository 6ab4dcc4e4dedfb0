"""What the takeover says: to consumers (zh and en), and to agents in the group, in the
agent's own Telegram language."""

from __future__ import annotations

from bot.telegram.texts import Bilingual

AGENT_JOINED = Bilingual(
    zh="人工客服{agent}已接入，正在为您服务。",
    en="{agent} from our service team is now helping you.",
)
BACK_IN_QUEUE = Bilingual(
    zh="您的会话已转回等候队列，稍后会有其他客服为您服务。",
    en="Your chat is back in the queue; another agent will be with you shortly.",
)
AGENT_FINISHED = Bilingual(
    zh="人工服务已结束，感谢您的耐心。如还需要帮助，直接给我发消息即可。",
    en="The agent has finished helping you. Thank you for your patience. If you need "
    "anything else, just send me a message.",
)

TAKE_OVER_BUTTON = "🙋 接管 Take over"
CLOSE_BUTTON = "✅ 结束 Close"
TOOK_OVER = Bilingual(zh="{agent} 已接管此会话。", en="{agent} took over this chat.")
ALREADY_CLAIMED = Bilingual(
    zh="{holder} 已接管此会话。", en="{holder} has already taken over this chat."
)
RELEASED = Bilingual(zh="{agent} 已将会话放回队列。", en="{agent} returned the chat to the queue.")
CLOSED = Bilingual(
    zh="✅ {agent} 已结束会话，助手已恢复对话。",
    en="✅ {agent} closed the chat; the assistant has taken the conversation back.",
)
NOT_HOLDER = Bilingual(
    zh="只有接管此会话的客服（{holder}）的消息会发给用户，您的消息未发送。",
    en="Only the agent holding this chat ({holder}) reaches the user; your message was not sent.",
)
NOT_CLAIMED = Bilingual(
    zh="请先接管（/take）再回复用户，您的消息未发送。",
    en="Take over the chat (/take) before replying; your message was not sent.",
)
NOT_ALLOWED = Bilingual(zh="无法执行：{detail}", en="Not possible: {detail}")
NO_OPEN_HANDOFF = Bilingual(
    zh="此话题没有进行中的转人工会话。", en="There is no open handoff in this topic."
)
NOT_IN_A_TOPIC = Bilingual(
    zh="请在用户的话题中使用此命令。", en="Use this command in the user's topic."
)
USER_UNREACHABLE = Bilingual(
    zh="用户已屏蔽机器人，消息无法送达。", en="The user has blocked the bot; nothing was delivered."
)
API_UNREACHABLE = Bilingual(
    zh="系统暂时无法处理，请稍后再试。", en="The service cannot be reached; please try again."
)
BANNED = Bilingual(
    zh="已封禁该用户，其消息将不再处理。", en="The user is banned; their messages are dropped."
)
UNBANNED = Bilingual(zh="已解除对该用户的封禁。", en="The user is no longer banned.")
WAITING_TOO_LONG = Bilingual(
    zh="⏰ {label} 等待已超过服务时限（{minutes} 分钟），请尽快接管。",
    en="⏰ {label} has waited longer than the service level ({minutes} min); please take it.",
)
