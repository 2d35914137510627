"""The programme lead's dashboard (/programme/) and the rows behind its funnel.

Leads and site administrators see the figures of their own sites only; the filters cannot
reach any other site (a site that is not theirs is "not a valid choice", 400).
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cms.permissions import role_required
from cms.roles import Role

from . import dashboard
from .dashboard import PEOPLE_STAGES, STAGE_LABELS, DashboardFilterForm, Table

LEADS_AND_ADMINS = (Role.PROGRAMME_LEAD, Role.SITE_ADMINISTRATOR)
PEOPLE_PER_PAGE = 50
BAD_STAGE = "Choose which people to list: enrolled, started or completed."
ANSWERS_PRIVATE = (
    "Who sent a reflection is not listed, to keep reflections private: the dashboard shows how "
    "many did."
)

# The order of the page, what each section says when it has no rows, and which chart it has.
SECTIONS = [
    ("funnel", "Nobody is enrolled on a course or e-learning module yet for these choices."),
    ("sites", "No enrolments yet for these choices."),
    ("runs", "No course run has started yet for these choices."),
    ("attendance", "No session has taken place yet for these choices."),
    ("elearning", "Nobody has enrolled on an e-learning module for these choices."),
    (
        "gaps",
        f"Good news: every session in the next {dashboard.NEXT_WEEKS} weeks has a lay and a "
        "clinical tutor.",
    ),
    (
        "expiring",
        f"No accreditation of an active tutor ends in the next {dashboard.EXPIRING_DAYS} days.",
    ),
    ("load", "No active tutors at these sites."),
    ("change", "Nobody has answered both the before and the after reflection yet."),
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


def _charts(tables: dict[str, Table]) -> dict[str, str]:
    """The three charts, each a picture of the table printed under it."""
    from .charts import bar_chart, line_chart

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
        "funnel": bar_chart(title=funnel.title, bars=bars),
        "attendance": line_chart(
            title="Present at each session (% of those on the course)",
            points=[
                (row["session"], row["rate"])
                for row in tables["attendance"].rows
                if row["rate"] is not None
            ],
            unit="%",
        ),
        "elearning": line_chart(
            title="E-learning completed (% of those enrolled each month)",
            points=[
                (row["month"], row["rate"])
                for row in tables["elearning"].rows
                if row["rate"] is not None
            ],
            unit="%",
        ),
    }


@require_GET
@role_required(*LEADS_AND_ADMINS)
def programme(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    sections = None
    if not form.is_bound or form.is_valid():
        tables = dashboard.dashboard_for(request.user, form.filters())
        dashboard.funnel_links(
            tables["funnel"], url=reverse("courses:programme_people"), query=form.query
        )
        charts = _charts(tables)
        sections = [
            {
                "table": tables[key],
                "cells": _cells(tables[key]),
                "empty": empty,
                "chart": charts.get(key),
            }
            for key, empty in SECTIONS
        ]
    return render(
        request,
        "courses/dashboard/programme.html",
        {"form": form, "sections": sections, "query": request.GET.urlencode()},
        status=400 if form.errors else 200,
    )


@require_GET
@role_required(*LEADS_AND_ADMINS)
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
