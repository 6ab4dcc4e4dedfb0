"""What consumers type, and what model resolution must make of it (on the demo catalogue).

Each row: query, expected kind, and the expected top candidate: an exact model code, or a
prefix that every listed top candidate shares (``KFR-35GW`` when several models tie).
"""

from __future__ import annotations

from typing import NamedTuple


class Expectation(NamedTuple):
    query: str
    kind: str
    top: str | None
    top_is_prefix: bool = False


RESOLVE_TABLE: list[Expectation] = [
    Expectation("格力 35 挂机", "fuzzy", "KFR-35GW/BpR3"),
    Expectation("kfr35gw", "fuzzy", "KFR-35GW", top_is_prefix=True),
    Expectation("ＫＦＲ－３５ＧＷ", "fuzzy", "KFR-35GW", top_is_prefix=True),
    Expectation("KFR-35GW/BpR3", "exact", "KFR-35GW/BpR3"),
    Expectation("kfr 35gw bpr3", "exact", "KFR-35GW/BpR3"),
    Expectation("KFR-53GW", "fuzzy", "KFR-35GW", top_is_prefix=True),
    Expectation("BCD-470WDGP", "fuzzy", "BCD-470WDPG"),
    Expectation("75Q1OK", "fuzzy", "75Q10K"),
    Expectation("冷氣", "category_only", None),
    Expectation("洗衣機", "category_only", None),
    Expectation("冰箱", "category_only", None),
    Expectation("air conditioner", "category_only", None),
    Expectation("海爾", "brand_only", None),
    Expectation("美的", "brand_only", None),
    Expectation("我家的格力空调坏了", "brand_only", None),
    Expectation("haier fridge", "brand_only", "BCD-470WDPG"),
    Expectation("siemens washer", "brand_only", "WM12P2602W"),
    Expectation("格力柜机", "brand_only", "KFR-72LW/NhZbB1W"),
    Expectation("格力云佳", "exact", "KFR-35GW/BpR3"),
    Expectation("美的 1.5匹 挂机", "fuzzy", "KFR-35GW/N8XHC1"),
    Expectation("gree ac 1hp", "fuzzy", "KFR-26GW/NhGc1B"),
    Expectation("Mate 60 Pro", "exact", "Mate 60 Pro"),
    Expectation("华为mate60", "exact", "Mate 60 Pro"),
    Expectation("華為 Mate60", "exact", "Mate 60 Pro"),
    Expectation("Redmi K70", "exact", "Redmi K70"),
    Expectation("红米K70", "exact", "Redmi K70"),
    Expectation("小米14", "exact", "Xiaomi 14"),
    Expectation("thinkpad x1", "fuzzy", "ThinkPad X1 Carbon Gen 11"),
    Expectation("ThinkPad X1 Carbon Gen11", "exact", "ThinkPad X1 Carbon Gen 11"),
    Expectation("RedmiBook Pro 15", "exact", "RedmiBook Pro 15"),
    Expectation("tcl 75q10k", "exact", "75Q10K"),
    Expectation("电视 65E3F", "exact", "65E3F"),
    Expectation("55v8", "fuzzy", "55V8E"),
    Expectation("p70d20tl", "fuzzy", "P70D20TL-D4"),
    Expectation("m1-l213c", "exact", "M1-L213C"),
    Expectation("A.O.史密斯 60升", "fuzzy", "E60VN3"),
    Expectation("jsq25", "fuzzy", "JSQ25-13GN"),
    Expectation("EG100MATE", "exact", "EG100MATE"),
    Expectation("顾家沙发", "exact", "KK-2061B"),
    Expectation("全友衣柜", "exact", "QY-W125261"),
    Expectation("xyz", "none", None),
    Expectation("😀", "none", None),
    Expectation("---", "none", None),
]
