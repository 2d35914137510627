"""The programme lead's dashboard (/programme/) and the rows behind its funnel.

Leads and site administrators see the figures of their own sites only; the filters cannot
reach any other site (a site that is not theirs is "not a valid choice", 400).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cms.numbers import rounded
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS
from courses import tasks
from courses.dashboard import tables as dashboard
from courses.dashboard.charts import bar_chart, line_chart
from courses.dashboard.figures import REFRESH_MINUTES, figures_refresh_claim, figures_refreshed_at
from courses.dashboard.tables import PEOPLE_STAGES, STAGE_LABELS, DashboardFilterForm, Table
from courses.reflections.partnership import partnership_alerts_for
from courses.reflections.refreshers import refresher_alerts_for

PEOPLE_PER_PAGE = 50
BAD_STAGE = "Choose which people to list: enrolled, started or completed."
ANSWERS_PRIVATE = (
    "Who sent a reflection is not listed, to keep reflections private: the dashboard shows how "
    "many did."
)

# A lead's "work the figures out again" within a minute of the last (figures.figures_refresh_claim).
REFRESHED_JUST_NOW = (
    "The figures were worked out, or asked for, less than a minute ago: they are not asked for "
    "again yet."
)
REFRESH_QUEUED = (
    "The figures are being worked out again. At most sites this takes a few seconds: reload "
    "the page to see them. The time above the figures says when they were last worked out."
)

# The tables read from the figures worked out ahead (courses.dashboard.figures); the rest are live.
WORKED_OUT_AHEAD = {
    "funnel",
    "sites",
    "runs",
    "attendance",
    "elearning",
    "gaps",
    "change",
    "lasting",
}
NOT_YET = "These figures have not been worked out yet."

# The order of the page, what each section says when it has no rows, and which chart it has.
SECTIONS = [
    ("funnel", "Nobody is enrolled on a course or e-learning module yet for these choices."),
    ("sites", "No enrolments yet for these choices."),
    ("runs", "No course run has started yet for these choices."),
    ("attendance", "No session has taken place yet for these choices."),
    ("elearning", "Nobody has enrolled on an e-learning module for these choices."),
    (
        "gaps",
        f"Good news: every session in the next {dashboard.NEXT_WEEKS} weeks has a ready pair "
        "of tutors.",
    ),
    (
        "expiring",
        f"No accreditation of an active tutor ends in the next {dashboard.EXPIRING_DAYS} days.",
    ),
    ("load", "No active tutors at these sites."),
    ("change", "Nobody has answered both the before and the after reflection yet."),
    (
        "lasting",
        "Nobody has answered the reflections yet. Follow-up surveys are asked some months after "
        "a course ends (each programme sets when).",
    ),
]


def _cells(table: Table) -> list[dict]:
    """Rows as lists of cells, for a template that cannot look a key up: the first cell links
    to the row's page, counts to the people behind them."""
    rows = []
    for row in table.rows:
        links = row.get("_links", {})
        cells = []
        for index, column in enumerate(table.columns):
            url = row.get("_url") if index == 0 else links.get(column.key)
            cells.append(
                {
                    "value": row.get(column.key),
                    "column": column,
                    "url": url,
                    "header": index == 0,
                }
            )
        rows.append(cells)
    return rows


def _charts(tables: dict[str, Table]) -> dict[str, list[dict]]:
    """The charts of each section, each a picture of the table printed under them: "svg", and
    a "caption" shown above it where a section has more than one chart."""

    funnel = tables["funnel"]
    bars = []
    for row in funnel.rows:
        for stage, key in [
            ("enrolled", "enrolled"),
            ("started", "started"),
            ("completed", "completed"),
            ("answered", "answered"),
        ]:
            bars.append((f"{row['track']}: {STAGE_LABELS[stage].lower()}", row[key]))
    return {
        "funnel": [{"svg": bar_chart(title=funnel.title, bars=bars)}],
        "attendance": [
            {
                "svg": line_chart(
                    title="Present at each session (% of those marked on the register)",
                    points=[
                        (row["session"], row["rate"])
                        for row in tables["attendance"].rows
                        if row["rate"] is not None
                    ],
                    unit="%",
                )
            }
        ],
        "elearning": [
            {
                "svg": line_chart(
                    title="E-learning completed (% of those enrolled each month)",
                    points=[
                        (row["month"], row["rate"])
                        for row in tables["elearning"].rows
                        if row["rate"] is not None
                    ],
                    unit="%",
                )
            }
        ],
        # One chart per scale: its mean at each point (a suppressed point reads "no data").
        "lasting": [
            {
                "caption": f"{scale.label}: mean at each point",
                "svg": line_chart(
                    title=f"{scale.label}: mean at each point",
                    points=[(point.label, rounded(point.mean)) for point in scale.points],
                ),
            }
            for scale in dashboard.lasting_scales(tables["lasting"])
        ],
    }


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def programme(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    refreshed_at = figures_refreshed_at()
    sections = None
    if not form.is_bound or form.is_valid():
        tables = dashboard.dashboard_for(request.user, form.filters())
        dashboard.funnel_links(
            tables["funnel"], url=reverse("courses:programme_people"), query=form.query
        )
        charts = _charts(tables)
        sections = []
        for key, empty in SECTIONS:
            # Figures never worked out are shown as missing, not as noughts.
            ready = refreshed_at is not None or key not in WORKED_OUT_AHEAD
            sections.append(
                {
                    "table": tables[key],
                    "cells": _cells(tables[key]),
                    "ready": ready,
                    "empty": empty if ready else NOT_YET,
                    "charts": charts.get(key, []),
                }
            )
    return render(
        request,
        "courses/dashboard/programme.html",
        {
            "form": form,
            "sections": sections,
            "query": request.GET.urlencode(),
            "refreshed_at": refreshed_at,
            "refresh_minutes": REFRESH_MINUTES,
            # What needs a lead's attention, at all their sites whatever the filters.
            "partnership_alerts": partnership_alerts_for(request.user),
            "refresher_alerts": refresher_alerts_for(request.user),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(*LEADS_AND_ADMINISTRATORS)
def programme_refresh(request):
    """Queue the task that works the figures out again (once a minute at most), then go back to
    the dashboard with the same filters."""
    if figures_refresh_claim():
        tasks.refresh_dashboard_figures.enqueue()
        messages.success(request, REFRESH_QUEUED)
    else:
        messages.info(request, REFRESHED_JUST_NOW)
    # Only filters that are valid for this user go back into the address.
    form = DashboardFilterForm(QueryDict(request.POST.get("filters", "")), user=request.user)
    query = form.query()
    return redirect(reverse("courses:programme") + (f"?{query}" if query else ""))


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def programme_people(request):
    form = DashboardFilterForm(request.GET, user=request.user)
    stage = request.GET.get("stage", "")
    if stage in PEOPLE_STAGES:
        problem = None
    else:
        problem = ANSWERS_PRIVATE if stage == "answered" else BAD_STAGE
    page = None
    if problem is None and form.is_valid():
        people = dashboard.funnel_people(request.user, form.filters(), stage)
        page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/dashboard/people.html",
        {
            "form": form,
            "problem": problem,
            "stage_label": STAGE_LABELS.get(stage, ""),
            "page": page,
            "query": form.query(stage=stage) if page is not None else "",
            "back_query": form.query() if problem is None and not form.errors else "",
        },
        status=400 if problem or form.errors else 200,
    )
