"""What the web chat itself says, in Chinese and English: the page's labels and its own
answers. The assistant's words come from the engine; refusals shared with the Telegram
front end (floods, a busy engine, files) come from ``bot.telegram.texts``."""

from __future__ import annotations

from bot.telegram.language import LANGUAGES, Language
from bot.telegram.texts import Bilingual

TEXT_TOO_LONG = Bilingual(
    zh="消息太长了（最多 {limit} 个字），请分几条发送。",
    en="That message is too long (at most {limit} characters). Please split it up.",
)
EMPTY_MESSAGE = Bilingual(zh="请输入内容后再发送。", en="Please type something before sending.")
TYPED_PAYLOAD = Bilingual(
    zh="请直接用文字描述您的问题，或点击上方的按钮。",
    en="Please describe your problem in words, or tap one of the buttons above.",
)
BUTTON_EXPIRED = Bilingual(
    zh="该按钮已失效，请直接输入您的回复。",
    en="This button has expired. Please type your answer instead.",
)
NOT_A_PHOTO = Bilingual(
    zh="请选择一张照片（JPG、PNG、WebP 或 GIF）。",
    en="Please choose a photo (JPG, PNG, WebP or GIF).",
)
WITH_THE_AGENTS = Bilingual(
    zh="您的消息已转给人工客服，客服接入后会在这里回复您。",
    en="Your messages go to our agents; one of them will answer you here.",
)

PAGE_LABELS: dict[str, Bilingual] = {
    "title": Bilingual(zh="售后服务助手", en="After-sales assistant"),
    "subtitle": Bilingual(
        zh="报修、保修查询、预约上门，随时为您服务",
        en="Fault reports, warranty, technician visits",
    ),
    "welcome": Bilingual(
        zh="您好！请描述您遇到的问题，例如：“我的格力空调不制冷了”。",
        en="Hello! Tell me what is wrong, for example: “My Gree air conditioner is not cooling”.",
    ),
    "message_label": Bilingual(zh="输入消息", en="Your message"),
    "placeholder": Bilingual(zh="请输入您的问题…", en="Type your message…"),
    "send": Bilingual(zh="发送", en="Send"),
    "photo": Bilingual(zh="发送照片", en="Send a photo"),
    "language": Bilingual(zh="语言", en="Language"),
    "typing": Bilingual(zh="正在输入…", en="Typing…"),
    "you": Bilingual(zh="我", en="You"),
    "assistant": Bilingual(zh="助手", en="Assistant"),
    "agent": Bilingual(zh="客服", en="Agent"),
    "photo_sent": Bilingual(zh="[照片]", en="[photo]"),
    "offline": Bilingual(zh="连接中断，正在重新连接…", en="Connection lost, reconnecting…"),
    "failed": Bilingual(zh="发送失败，请重试。", en="Could not send. Please try again."),
    "chosen": Bilingual(zh="已选择", en="Chosen"),
    "image_alt": Bilingual(zh="助手发送的图片", en="Image sent by the assistant"),
}


def page_labels(language: Language) -> dict[str, str]:
    return {name: text.in_(language) for name, text in PAGE_LABELS.items()}


def every_language_label() -> dict[Language, dict[str, str]]:
    return {language: page_labels(language) for language in LANGUAGES}
