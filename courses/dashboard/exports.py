"""Every table of the programme dashboard as a download: /programme/export/<table>.<csv|xlsx>.

The same filters as the page (its query string), the same scope (the user's sites), and all the
rows, not only the ones the page shows. The file is named after the table and the day
("programme-runs-2027-03-01.csv"); every download is written to the export log with its filters
and row count. The tables hold figures and names of sites, runs and programmes, never anyone's
email; text cells are made inert for spreadsheet programs.
"""

import io
import re
from datetime import date, datetime

from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from assessments.reflections.exports import export_log
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from cms.spreadsheets import csv_writer
from courses.dashboard.tables import TABLE_KEYS, DashboardFilterForm, Table, table_for

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BAD_FILTERS = (
    "These filters cannot be used for a download: {errors} "
    "Go back to the programme dashboard, correct them and download again."
)
# Characters a worksheet cannot hold (openpyxl refuses them) and characters a sheet title cannot.
ILLEGAL_IN_CELL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ILLEGAL_IN_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def filename(key: str, file_format: str) -> str:
    return f"programme-{key}-{timezone.localdate():%Y-%m-%d}.{file_format}"


def filters_for_log(form: DashboardFilterForm) -> dict:
    """The filters chosen, as ids and strings (what the export log can hold)."""
    if not form.is_bound:
        return {}
    chosen = {}
    for name, value in form.cleaned_data.items():
        if value in (None, "", []):
            continue
        if isinstance(value, QuerySet):
            chosen[name] = [row.pk for row in value]
        elif hasattr(value, "pk"):
            chosen[name] = value.pk
        elif isinstance(value, date):
            chosen[name] = value.isoformat()
        else:
            chosen[name] = str(value)
    return chosen


def _plain(value):
    """A cell's value as a spreadsheet holds it: numbers and dates as themselves, the rest text."""
    if isinstance(value, datetime):
        # Spreadsheets have no time zones: the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, bool | int | float | date):
        return value
    return str(value)


def as_csv(table: Table) -> bytes:
    output = io.StringIO()
    writer = csv_writer(output)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = _plain(row.get(column.key))
            if value is None:
                cells.append("")
            elif isinstance(value, date):
                cells.append(value.isoformat(sep=" ") if isinstance(value, datetime) else value)
            else:
                cells.append(value)
        writer.writerow(cells)
    return output.getvalue().encode("utf-8")


def as_xlsx(table: Table) -> bytes:

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(
        title=ILLEGAL_IN_SHEET_TITLE.sub(" ", table.title)[:31] or "Dashboard"
    )
    bold = Font(bold=True)

    def cell(value, *, header=False):
        value = _plain(value)
        if isinstance(value, str):
            value = ILLEGAL_IN_CELL.sub("", value)
        written = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            # Text, never a formula: "=..." written by a person stays what they wrote.
            written.data_type = "s"
        if isinstance(value, datetime):
            written.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            written.number_format = "yyyy-mm-dd"
        if header:
            written.font = bold
        return written

    sheet.append([cell(column.label, header=True) for column in table.columns])
    for row in table.rows:
        sheet.append([cell(row.get(column.key)) for column in table.columns])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@require_GET
@never_cache
@role_required(*LEADS_AND_ADMINISTRATORS)
def programme_export(request, key, fmt):
    if key not in TABLE_KEYS or fmt not in FORMATS:
        raise Http404("No such table or file format.")
    form = DashboardFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        errors = " ".join(
            f"{form.fields[name].label if name in form.fields else 'Filters'}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        )
        return HttpResponseBadRequest(
            BAD_FILTERS.format(errors=errors), content_type="text/plain; charset=utf-8"
        )
    table = table_for(request.user, form.filters(), key)
    content = as_csv(table) if fmt == "csv" else as_xlsx(table)
    export_log(
        user=request.user,
        what=f"Programme dashboard: {table.title}",
        file_format=fmt,
        filters=filters_for_log(form),
        row_count=len(table.rows),
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename(key, fmt)}"'
    return response
