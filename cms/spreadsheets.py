"""One way to write a spreadsheet cell: text people typed never runs as a formula.

A spreadsheet program opening a CSV runs a cell that starts with "=", "+", "-" or "@" (and,
in some, a tab or carriage return) as a formula: a tutor named `=HYPERLINK("http://x", "Alan")`
would become a live link in a lead's spreadsheet. Every CSV the project serves is written through
`safe_cell`: our own downloads with `csv_writer()`, and every Wagtail listing and report export
(viewsets, reports, site history) through `SpreadsheetExportMixin.write_csv_row`, which
`install()` replaces when the app starts. Wagtail's XLSX writer already keeps such cells as text.

Every spreadsheet says "Yes" or "No", never True or False; numbers stay numbers and dates dates
(`write_csv` and `write_xlsx`, and Wagtail's exports through `install()`).
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that would start a formula gets a leading apostrophe, which spreadsheet programs
    show as nothing and read as "this is text". Numbers, dates and empty cells are untouched."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        return self.writer.writerow([safe_cell(value) for value in row])


def csv_writer(file):
    """csv.writer(file), with every cell made safe."""
    return _SafeWriter(csv.writer(file))


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def plain(value):
    """A cell's value as a spreadsheet holds it: Yes or No for a boolean, numbers and dates as
    themselves (a time as the local wall-clock time: spreadsheets have no time zones), the rest
    text."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, int | float | date):
        return value
    return str(value)


# Characters a worksheet cannot hold (openpyxl refuses them) and characters a sheet title cannot.
ILLEGAL_IN_CELL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ILLEGAL_IN_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def write_csv(headings: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A CSV file (UTF-8) of `rows` under `headings`, every cell made safe."""
    output = io.StringIO()
    writer = csv_writer(output)
    writer.writerow(headings)
    for row in rows:
        cells = []
        for value in row:
            value = plain(value)
            if value is None:
                cells.append("")
            elif isinstance(value, datetime):
                cells.append(value.isoformat(sep=" ", timespec="minutes"))
            else:
                cells.append(value)
        writer.writerow(cells)
    return output.getvalue().encode("utf-8")


def write_xlsx(title: str, headings: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """An Excel workbook of one sheet: bold headings, numbers as numbers, dates as dates, text
    as text (never a formula)."""
    return write_xlsx_sheets([(title, headings, rows)])


def write_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An Excel workbook of a sheet per (title, headings, rows), in order (the first is the one
    that opens), each written as `write_xlsx` writes its one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headings, rows in sheets:
        sheet = workbook.create_sheet(title=ILLEGAL_IN_SHEET_TITLE.sub(" ", title)[:31] or "Sheet")
        _write_sheet(sheet, headings, rows, bold)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_sheet(sheet, headings, rows, bold) -> None:
    from openpyxl.cell import WriteOnlyCell

    def cell(value, *, header=False):
        value = plain(value)
        if isinstance(value, str):
            value = ILLEGAL_IN_CELL.sub("", value)
        written = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            written.data_type = "s"
        if isinstance(value, datetime):
            written.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            written.number_format = "yyyy-mm-dd"
        if header:
            written.font = bold
        return written

    sheet.append([cell(heading, header=True) for heading in headings])
    for row in rows:
        sheet.append([cell(value) for value in row])


def write_zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of (name, content) files, in order, each dated now (local time)."""
    stamp = timezone.localtime().timetuple()[:6]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return output.getvalue()


def _write_csv_row(self, writer, row_dict):
    return writer.writerow(
        {
            field: safe_cell(self.preprocess_field_value(field, value, self.FORMAT_CSV))
            for field, value in row_dict.items()
        }
    )


def install() -> None:
    """Make every Wagtail CSV export write safe cells (called from CmsConfig.ready)."""
    # Imported here, once the apps are ready: Wagtail's admin views need the app registry.
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    SpreadsheetExportMixin.write_csv_row = _write_csv_row
    # Booleans as Yes and No in every admin export, CSV and Excel.
    SpreadsheetExportMixin.custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        bool: {
            SpreadsheetExportMixin.FORMAT_CSV: yes_no,
            SpreadsheetExportMixin.FORMAT_XLSX: yes_no,
        },
    }
