"""The dashboard's figures worked out ahead (courses/dashboard/figures.py): the rows themselves
against the hand-built programme in dashboard_builders.py, that the dashboard shows them as of the
last time they were worked out, the change period by cohort, the command and the lead's "work them
out again"."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.dashboard import views
from courses.dashboard.figures import figures_refresh, figures_refreshed_at, why_not_ready
from courses.dashboard.tables import DashboardFilterForm, DashboardFilters, dashboard_for
from courses.models import (
    Attendance,
    ChangeFigures,
    CohortFigures,
    FiguresRefresh,
    Session,
    SessionFigures,
)
from courses.sites.scope import sites_for
from courses.workshops.readiness import Rule
from tests.assessments.matched_builders import SEVEN
from tests.assessments.reflection_builders import version_with_items
from tests.courses.dashboard import dashboard_builders
from tests.factories import CourseRunFactory, days_from_today

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = pytest.mark.clock

PAGE = "/programme/"
REFRESH = "/programme/refresh/"


@pytest.fixture
def data(riverside, hillside, programmes):
    return dashboard_builders.build_and_work_out(riverside, hillside, programmes)


def funnel(user):
    table = dashboard_for(user, DashboardFilters(sites=sites_for(user)))["funnel"]
    return [
        (row["enrolled"], row["started"], row["completed"], row["answered"]) for row in table.rows
    ]


def cohort(**where):
    row = CohortFigures.objects.get(**where)
    return (row.enrolled, row.started, row.completed, row.answered)


# --- the rows ---------------------------------------------------------------------------------------


def test_a_row_per_run_that_is_not_cancelled(data):
    runs = data["runs"]
    # Run A: p1-p4 counted (p5 waits), all four came to session 1, p1 and p2 completed and sent
    # the after reflection.
    assert cohort(run=runs["a"]) == (4, 4, 2, 2)
    assert cohort(run=runs["b"]) == (2, 1, 0, 0)
    assert cohort(run=runs["c"]) == (1, 0, 0, 0)
    assert cohort(run=runs["h"]) == (2, 2, 1, 1)
    assert cohort(run=runs["h2"]) == (0, 0, 0, 0)
    assert not CohortFigures.objects.filter(run=runs["d"]).exists()
    assert not SessionFigures.objects.filter(session__run=runs["d"]).exists()
    row = CohortFigures.objects.get(run=runs["a"])
    first = Session.objects.filter(run=runs["a"]).order_by("starts_at").first()
    assert row.starts_on == timezone.localdate(first.starts_at)
    assert row.first_start == first.starts_at
    assert (row.site_id, row.programme_id, row.track) == (
        runs["a"].site_id,
        runs["a"].programme_id,
        "patient",
    )


def test_e_learning_rows_are_per_module_site_and_day(data, riverside, hillside):
    module = data["module"]

    def on(site, day):
        return cohort(module=module, site=site, starts_on=day)

    assert on(riverside, "2025-01-15") == (1, 1, 1, 1)
    assert on(riverside, "2025-02-10") == (2, 1, 0, 0)
    assert on(hillside, "2025-03-03") == (1, 0, 1, 1)
    assert CohortFigures.objects.filter(module=module).count() == 3
    assert {row.track for row in CohortFigures.objects.filter(module=module)} == {"professional"}


def test_session_rows_count_who_was_on_the_course_then(data):
    rows = [
        (row.number, row.booked, row.present)
        for row in SessionFigures.objects.filter(session__run=data["runs"]["a"]).order_by("number")
    ]
    # p4 withdrew a day after session 1, so is on the course at session 1 only.
    assert rows == [(1, 4, 4), (2, 3, 2), (3, 3, 2)]


# --- as of the last time -----------------------------------------------------------------------------


def test_the_dashboard_shows_the_figures_as_last_worked_out(people, data):
    lead = people["lead"]
    assert funnel(lead)[0] == (6, 5, 2, 2)
    # q2 was absent at run B's first session; the register is corrected to present.
    Attendance.objects.filter(enrolment__trainee__email="q2@example.com").update(
        status=Attendance.Status.PRESENT
    )
    assert funnel(lead)[0] == (6, 5, 2, 2)
    figures_refresh()
    assert funnel(lead)[0] == (6, 6, 2, 2)


def test_working_out_again_replaces_the_figures(people, data):
    counts = [model.objects.count() for model in (CohortFigures, SessionFigures, ChangeFigures)]
    before = funnel(people["lead"])
    first = figures_refreshed_at()
    record = figures_refresh()
    assert [model.objects.count() for model in (CohortFigures, SessionFigures, ChangeFigures)] == (
        counts
    )
    assert funnel(people["lead"]) == before
    assert record.rows == sum(counts)
    assert figures_refreshed_at() >= first
    assert FiguresRefresh.objects.count() == 1


def test_working_out_costs_the_same_queries_for_more_data(
    data, riverside, programmes, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as small:
        figures_refresh()
    dashboard_builders.grow(riverside, programmes["patient"], runs=4, people=7)
    with django_assert_max_num_queries(len(small)):
        figures_refresh()


# --- change by cohort ----------------------------------------------------------------------------


@pytest.fixture
def spring_cohort(riverside, programmes):
    """Seven people who answered both reflections of a run whose first session was on
    10 March 2025 (the after sent in 2026, long after)."""
    patient = programmes["patient"]
    run = CourseRunFactory(site=riverside, programme=patient)
    first = timezone.make_aware(datetime(2025, 3, 10, 10))
    Session.objects.create(
        run=run, number=1, venue=run.venue, starts_at=first, ends_at=first + timedelta(hours=3)
    )
    version = version_with_items(slug="cohort-change")
    dashboard_builders.matched_group(riverside, patient, SEVEN, version, run=run)
    figures_refresh()
    return run


def change_people(lead, **period):
    form = DashboardFilterForm(period, user=lead)
    assert form.is_valid(), form.errors
    table = dashboard_for(lead, form.filters())["change"]
    return [row["people"] for row in table.rows]


def test_the_period_picks_change_by_the_cohorts_first_session(people, spring_cohort):
    lead = people["lead"]
    assert change_people(lead) == [7, 7]
    assert change_people(lead, since="2025-03-10", until="2025-03-10") == [7, 7]
    assert change_people(lead, since="2025-03-11") == []
    assert change_people(lead, until="2025-03-09") == []


def test_a_cancelled_runs_answers_leave_the_change_figures(people, spring_cohort):
    spring_cohort.status = spring_cohort.Status.CANCELLED
    spring_cohort.save(update_fields=["status"])
    figures_refresh()
    assert change_people(people["lead"]) == []
    assert not ChangeFigures.objects.exists()


# --- the command and the button ------------------------------------------------------------------


def test_the_command_works_the_figures_out(data):
    FiguresRefresh.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_figures", stdout=out)
    rows = FiguresRefresh.objects.get().rows
    assert out.getvalue().strip() == f"Dashboard figures worked out again ({rows} rows)."
    out = io.StringIO()
    call_command("refresh_figures", "--enqueue", stdout=out)
    assert out.getvalue().startswith("Queued ")


def test_a_lead_asks_for_the_figures_again_and_keeps_the_filters(client, people, riverside):
    client.force_login(people["lead"])
    assert figures_refreshed_at() is None
    response = client.post(REFRESH, {"filters": f"site={riverside.pk}&track=patient"})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?site={riverside.pk}&track=patient"
    assert figures_refreshed_at() is not None
    page = client.get(response["Location"])
    assert views.REFRESH_QUEUED in page.text
    assert "Figures worked out at " in page.text


def test_asking_again_within_a_minute_does_nothing(client, people):
    figures_refresh()
    FiguresRefresh.objects.update(finished_at=timezone.now() - timedelta(seconds=30))
    stamp = figures_refreshed_at()
    client.force_login(people["lead"])
    page = client.post(REFRESH, follow=True)
    assert views.REFRESHED_JUST_NOW in page.text
    assert figures_refreshed_at() == stamp
    FiguresRefresh.objects.update(finished_at=timezone.now() - timedelta(minutes=2))
    page = client.post(REFRESH, follow=True)
    assert views.REFRESH_QUEUED in page.text
    assert figures_refreshed_at() > stamp


def test_filters_of_another_site_are_dropped_on_the_way_back(client, people, hillside):
    client.force_login(people["lead"])
    response = client.post(REFRESH, {"filters": f"site={hillside.pk}"})
    assert response["Location"] == PAGE
    response = client.post(REFRESH, {"filters": "site=%ZZ&&&track=<script>"})
    assert response["Location"] == PAGE


@pytest.mark.parametrize(("who", "status"), [("trainee", 403), ("lay_tutor", 403)])
def test_only_leads_and_site_administrators_ask(client, people, who, status):
    client.force_login(people[who])
    assert client.post(REFRESH).status_code == status
    assert figures_refreshed_at() is None


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.post(REFRESH)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert figures_refreshed_at() is None


def test_asking_needs_a_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["lead"])
    assert client.post(REFRESH).status_code == 403
    assert figures_refreshed_at() is None


# --- readiness of the sessions ahead -------------------------------------------------------------


def test_only_sessions_in_the_weeks_ahead_are_checked(data):
    runs = data["runs"]
    checked = {
        (row.session.run_id, row.number): (row.checked, row.problems)
        for row in SessionFigures.objects.select_related("session")
    }
    assert checked[(runs["a"].pk, 1)] == (False, "")  # ten weeks ago
    assert checked[(runs["b"].pk, 2)] == (
        True,
        "Lay tutor: missing; clinical tutor: not accredited then",
    )
    assert checked[(runs["c"].pk, 1)] == (True, "Lay tutor: not accredited then")
    far = Session.objects.create(
        run=runs["c"],
        number=2,
        venue=runs["c"].venue,
        starts_at=days_from_today(9 * 7),
        ends_at=days_from_today(9 * 7, at=time(13, 0)),
    )
    figures_refresh()
    assert SessionFigures.objects.get(session=far).checked is False


def test_an_accreditation_renewed_clears_the_gap_when_the_figures_are_worked_out(
    people, data, programmes
):
    lead = people["lead"]

    def gaps():
        table = dashboard_for(lead, DashboardFilters(sites=sites_for(lead)))["gaps"]
        return [row["run"] for row in table.rows]

    assert "Partnership workshop" in gaps()
    dashboard_builders.accredit(data["tutors"]["lee"], programmes["professional"], ends_in_days=365)
    assert "Partnership workshop" in gaps()
    figures_refresh()
    assert "Partnership workshop" not in gaps()


def test_why_not_ready_names_places_and_rules_not_people():
    assert why_not_ready([("lay", None), ("clinical", Rule.MONTHLY_CAP)]) == (
        "Lay tutor: missing; clinical tutor: over their monthly limit"
    )
    assert why_not_ready([("clinical", Rule.ACCREDITATION), ("clinical", Rule.AVAILABILITY)]) == (
        "Clinical tutor: not accredited then, not available then"
    )
    assert why_not_ready([]) == ""
