"""Everything the Telegram front end itself says to consumers, in Chinese and English.

What the assistant says in a conversation comes from the engine; these are the front end's
own answers: when the engine is busy, to floods, to content it cannot pass on, and the
command menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.language import Language


@dataclass(frozen=True, slots=True)
class Bilingual:
    zh: str
    en: str

    def in_(self, language: Language) -> str:
        return self.en if language == "en" else self.zh


BUSY_SAVED = Bilingual(
    zh="系统繁忙，您的消息已保存，恢复后会自动为您继续处理，无需重复发送。",
    en="The system is busy right now. Your message is saved and will be answered "
    "automatically as soon as we are back; there is no need to send it again.",
)
BUSY_RETRY = Bilingual(
    zh="系统繁忙，请稍后再试。",
    en="The system is busy right now. Please try again in a moment.",
)
STILL_WORKING = Bilingual(
    zh="正在为您处理，请稍候…",
    en="Still working on it, one moment please…",
)
TOO_MANY_MESSAGES = Bilingual(
    zh="您发送消息的速度太快了，请稍等片刻再继续。",
    en="You are sending messages very quickly. Please wait a moment before sending more.",
)
UNKNOWN_COMMAND = Bilingual(
    zh="无法识别该命令。发送 /help 查看可用的命令。",
    en="I don't know that command. Send /help to see what I can do.",
)
CHOOSE_AN_OPTION = Bilingual(zh="请选择：", en="Please choose:")
CHOOSE_LANGUAGE = Bilingual(
    zh="请选择语言 / Please choose a language:",
    en="Please choose a language / 请选择语言:",
)
LANGUAGE_NOT_OFFERED = Bilingual(
    zh="目前支持中文和英文：发送 /lang zh 或 /lang en。",
    en="I can talk in Chinese or English: send /lang zh or /lang en.",
)
BUTTON_EXPIRED = Bilingual(
    zh="该按钮已失效，请直接输入您的回复。",
    en="This button has expired. Please type your answer instead.",
)
ALREADY_CHOSEN = Bilingual(
    zh="已收到您的选择。",
    en="Your choice was already received.",
)
VOICE_NOT_SUPPORTED = Bilingual(
    zh="暂时无法收听语音消息，请用文字描述您的问题。",
    en="I can't listen to voice messages yet. Please type your message instead.",
)
STICKER_RECEIVED = Bilingual(
    zh="收到您的表情 😊 请用文字告诉我需要什么帮助。",
    en="Thanks for the sticker 😊 Please tell me in words how I can help.",
)
TYPE_THE_ADDRESS = Bilingual(
    zh="已收到您的位置。为了让师傅准确上门，请再输入详细地址（街道、小区、楼栋和门牌号）。",
    en="Thanks for the location. So that the technician finds you, please also type the full "
    "address (street, building and unit number).",
)
CONTENT_NOT_SUPPORTED = Bilingual(
    zh="暂不支持这种消息。您可以发送文字、照片或 PDF 文件。",
    en="I can't handle this kind of message. You can send text, photos or PDF documents.",
)
FILE_TOO_LARGE = Bilingual(
    zh="文件太大，无法保存（最大 {limit}）。请压缩后重新发送。",
    en="The file is too large to keep (at most {limit}). Please send a smaller one.",
)
FILE_TYPE_NOT_ACCEPTED = Bilingual(
    zh="暂不支持该文件格式。请发送 JPG、PNG、WebP、GIF 图片或 PDF 文件。",
    en="That file type isn't accepted. Please send a JPG, PNG, WebP or GIF image, or a PDF.",
)
FILE_NOT_ACCEPTED = Bilingual(
    zh="这个文件无法添加到您的工单，请换一个文件或稍后再试。",
    en="This file could not be added to your case. Please try another file or try again later.",
)
FILE_NOT_SAVED = Bilingual(
    zh="文件暂时无法保存，请稍后重新发送。",
    en="The file couldn't be saved right now. Please send it again in a moment.",
)
HELP = Bilingual(
    zh="我是售后服务助手，可以帮您报修、查询保修、预约师傅上门和查看进度。\n"
    "直接用文字描述问题即可，也可以发送照片（如故障部位、铭牌、发票）。\n\n"
    "/status 查看工单进度\n"
    "/human 转人工客服\n"
    "/cancel 取消当前操作\n"
    "/lang 切换语言（中文 / English）\n"
    "/help 查看帮助",
    en="I am the after-sales service assistant: I can take a fault report, check your "
    "warranty, book a technician visit and tell you how your case is going.\n"
    "Just describe the problem in your own words; you can also send photos (the fault, the "
    "nameplate, the invoice).\n\n"
    "/status the progress of your case\n"
    "/human talk to a person\n"
    "/cancel stop what is in progress\n"
    "/lang switch language (中文 / English)\n"
    "/help this help",
)

LANGUAGE_BUTTONS: tuple[tuple[str, Language], ...] = (("中文", "zh"), ("English", "en"))
CHOICE_MARK = "✓ {title}"


@dataclass(frozen=True, slots=True)
class MenuCommand:
    command: str
    description: Bilingual


MENU: tuple[MenuCommand, ...] = (
    MenuCommand("start", Bilingual(zh="开始对话", en="Start the conversation")),
    MenuCommand("status", Bilingual(zh="查看工单进度", en="Progress of my case")),
    MenuCommand("human", Bilingual(zh="转人工客服", en="Talk to a person")),
    MenuCommand("cancel", Bilingual(zh="取消当前操作", en="Stop what is in progress")),
    MenuCommand("lang", Bilingual(zh="切换语言", en="Switch language")),
    MenuCommand("help", Bilingual(zh="帮助", en="Help")),
)
"""The command menu, registered with Telegram per language at start-up."""


def size_label(size_bytes: int) -> str:
    megabytes = size_bytes / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{size_bytes // 1024} KB"
