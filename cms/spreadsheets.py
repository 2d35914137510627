"""One way to write a spreadsheet cell: text people typed never runs as a formula.

A spreadsheet program opening a CSV runs a cell that starts with "=", "+", "-" or "@" (and,
in some, a tab or carriage return) as a formula: a tutor named `=HYPERLINK("http://x", "Alan")`
would become a live link in a lead's spreadsheet. Every CSV the project serves is written through
`safe_cell`: our own downloads with `csv_writer()`, and every Wagtail listing and report export
(viewsets, reports, site history) through `SpreadsheetExportMixin.write_csv_row`, which
`install()` replaces when the app starts. Wagtail's XLSX writer already keeps such cells as text.
"""

import csv

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
