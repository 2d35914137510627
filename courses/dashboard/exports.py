"""Every table of the programme dashboard as a download: /programme/export/<table>.<csv|xlsx>.

The same filters as the page (its query string), the same scope (the user's sites), and all the
rows, not only the ones the page shows. The file is named after the table and the day
("programme-runs-2027-03-01.csv"); every download is written to the export log with its filters
and row count. The tables hold figures and names of sites, runs and programmes, never anyone's
email; text cells are made inert for spreadsheet programs.
"""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments.reflections.exports import export_log
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from cms.spreadsheets import write_csv, write_xlsx
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


def as_csv(table: Table) -> bytes:
    return write_csv(
        [column.label for column in table.columns],
        ([row.get(column.key) for column in table.columns] for row in table.rows),
    )


def as_xlsx(table: Table) -> bytes:
    return write_xlsx(
        table.title or "Dashboard",
        [column.label for column in table.columns],
        ([row.get(column.key) for column in table.columns] for row in table.rows),
    )


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
