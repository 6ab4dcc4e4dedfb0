"""The fixed category codes and the words consumers use for them (zh and en).

Category codes never change (other domains and the dialogue data key on them); only their
display names can be edited. `CATEGORY_TERMS` lets model resolution recognise a category in
free text. A term may carry a *form hint*: the fragment that the codes of that form of the
product contain (Chinese split air conditioners are ``KFR-xxGW``, floor cabinets ``KFR-xxLW``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CategoryCode(StrEnum):
    AIR_CONDITIONER = "air_conditioner"
    REFRIGERATOR = "refrigerator"
    WASHING_MACHINE = "washing_machine"
    TV = "tv"
    MICROWAVE = "microwave"
    WATER_HEATER = "water_heater"
    PHONE = "phone"
    LAPTOP = "laptop"
    FURNITURE = "furniture"


DEFAULT_CATEGORY_NAMES: dict[CategoryCode, tuple[str, str]] = {
    CategoryCode.AIR_CONDITIONER: ("空调", "Air conditioner"),
    CategoryCode.REFRIGERATOR: ("冰箱", "Refrigerator"),
    CategoryCode.WASHING_MACHINE: ("洗衣机", "Washing machine"),
    CategoryCode.TV: ("电视", "TV"),
    CategoryCode.MICROWAVE: ("微波炉", "Microwave oven"),
    CategoryCode.WATER_HEATER: ("热水器", "Water heater"),
    CategoryCode.PHONE: ("手机", "Mobile phone"),
    CategoryCode.LAPTOP: ("笔记本电脑", "Laptop"),
    CategoryCode.FURNITURE: ("家具", "Furniture"),
}


@dataclass(frozen=True, slots=True)
class CategoryTerm:
    category: CategoryCode
    form_hint: str = ""


def _terms(category: CategoryCode, *words: str, form_hint: str = "") -> dict[str, CategoryTerm]:
    return {word: CategoryTerm(category, form_hint) for word in words}


CATEGORY_TERMS: dict[str, CategoryTerm] = {
    **_terms(
        CategoryCode.AIR_CONDITIONER,
        "空调",
        "空调机",
        "冷气",
        "冷气机",
        "ac",
        "a/c",
        "aircon",
        "air con",
        "air conditioner",
        "air conditioning",
    ),
    **_terms(
        CategoryCode.AIR_CONDITIONER,
        "挂机",
        "挂式",
        "挂式空调",
        "壁挂式",
        "壁挂机",
        "split",
        "wall mounted",
        form_hint="gw",
    ),
    **_terms(
        CategoryCode.AIR_CONDITIONER,
        "柜机",
        "柜式",
        "柜式空调",
        "立式空调",
        "立柜式",
        "floor standing",
        "cabinet",
        form_hint="lw",
    ),
    **_terms(
        CategoryCode.REFRIGERATOR,
        "冰箱",
        "电冰箱",
        "冰柜",
        "冷柜",
        "fridge",
        "refrigerator",
        "freezer",
    ),
    **_terms(
        CategoryCode.WASHING_MACHINE,
        "洗衣机",
        "滚筒",
        "波轮",
        "洗烘一体机",
        "washer",
        "washing machine",
        "washer dryer",
        "laundry",
    ),
    **_terms(
        CategoryCode.TV,
        "电视",
        "电视机",
        "彩电",
        "液晶电视",
        "tv",
        "television",
        "smart tv",
    ),
    **_terms(
        CategoryCode.MICROWAVE,
        "微波炉",
        "微波",
        "光波炉",
        "microwave",
        "microwave oven",
    ),
    **_terms(
        CategoryCode.WATER_HEATER,
        "热水器",
        "燃气热水器",
        "电热水器",
        "water heater",
        "boiler",
        "geyser",
    ),
    **_terms(
        CategoryCode.PHONE,
        "手机",
        "智能手机",
        "移动电话",
        "phone",
        "mobile",
        "mobile phone",
        "smartphone",
        "cellphone",
    ),
    **_terms(
        CategoryCode.LAPTOP,
        "笔记本",
        "笔记本电脑",
        "电脑",
        "手提电脑",
        "laptop",
        "notebook",
        "computer",
    ),
    **_terms(
        CategoryCode.FURNITURE,
        "家具",
        "沙发",
        "衣柜",
        "床垫",
        "餐桌",
        "furniture",
        "sofa",
        "couch",
        "wardrobe",
        "mattress",
    ),
}
