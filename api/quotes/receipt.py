"""The itemised receipt of a completed visit, from its approved quote, in zh and en."""

from __future__ import annotations

from decimal import Decimal

from api.outbound.payloads import BilingualText
from api.quotes.models import Quote

_GENUINE = {True: ("原厂", "genuine"), False: ("非原厂", "non-genuine")}


def _yuan(fen: int) -> str:
    return f"¥{Decimal(fen) / 100:.2f}"


def receipt_text(quote: Quote, visit_id: int, charged_fen: int) -> BilingualText:
    zh_lines = [f"工单 {quote.case_id} 上门服务 {visit_id} 收费明细："]
    en_lines = [f"Receipt for visit {visit_id} (case {quote.case_id}):"]
    for line in quote.lines:
        zh_name, en_name = line["description"]["zh"], line["description"]["en"]
        if line.get("genuine") is not None:
            zh_kind, en_kind = _GENUINE[line["genuine"]]
            zh_name, en_name = f"{zh_name}（{zh_kind}）", f"{en_name} ({en_kind})"
        quantity, unit, total = line["quantity"], line["unit_price_fen"], line["total_fen"]
        zh_lines.append(f"· {zh_name} {quantity} × {_yuan(unit)} = {_yuan(total)}")
        en_lines.append(f"· {en_name} {quantity} × {_yuan(unit)} = {_yuan(total)}")
    zh_lines.append(f"报价合计：{_yuan(quote.total_fen)}；实收：{_yuan(charged_fen)}。")
    en_lines.append(f"Quoted total: {_yuan(quote.total_fen)}; charged: {_yuan(charged_fen)}.")
    return BilingualText(zh="\n".join(zh_lines), en="\n".join(en_lines))
