"""The satisfaction report as CSV: one row per group (total, source, technician, category),
one column per figure and per dimension."""

from __future__ import annotations

import csv
import io

from api.surveys.figures import Figures
from api.surveys.questions import QuestionKind
from api.surveys.report import SatisfactionFigures

CSV_MEDIA_TYPE = "text/csv"
# Spreadsheet programs read a UTF-8 file without a byte order mark in the local code page,
# which garbles the Chinese names; with the mark they read UTF-8.
BYTE_ORDER_MARK = "\ufeff"
FIXED_COLUMNS = [
    "group",
    "key",
    "name",
    "name_en",
    "surveys",
    "responded",
    "completed",
    "csat",
    "csat_answers",
    "nps",
    "nps_answers",
    "promoters",
    "passives",
    "detractors",
]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _text_cell(value: str | None) -> str:
    """A name as a text cell: one that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _dimension_columns(report: SatisfactionFigures) -> list[str]:
    return [
        f"{key}_average" if kind is QuestionKind.SCALE else f"{key}_yes_percent"
        for key, kind in report.dimensions
    ]


def _row(
    group: str, key: str, name: str | None, name_en: str | None, figures: Figures
) -> list[str]:
    fixed = [
        group,
        _text_cell(key),
        _text_cell(name),
        _text_cell(name_en),
        _cell(figures.surveys),
        _cell(figures.responded),
        _cell(figures.completed),
        _cell(figures.csat),
        _cell(figures.csat_answers),
        _cell(figures.nps),
        _cell(figures.nps_answers),
        _cell(figures.promoters),
        _cell(figures.passives),
        _cell(figures.detractors),
    ]
    per_dimension = [
        _cell(d.average if d.kind is QuestionKind.SCALE else d.yes_percent)
        for d in figures.dimensions
    ]
    return fixed + per_dimension


def report_csv(report: SatisfactionFigures) -> str:
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIXED_COLUMNS + _dimension_columns(report))
    writer.writerow(_row("total", "", None, None, report.total))
    for source, figures in report.by_source:
        writer.writerow(_row("source", source.value, None, None, figures))
    for technician, figures in report.by_technician:
        writer.writerow(_row("technician", technician.staff_number, technician.name, None, figures))
    for category, figures in report.by_category:
        writer.writerow(
            _row("category", category.code or "", category.name_zh, category.name_en, figures)
        )
    return buffer.getvalue()
