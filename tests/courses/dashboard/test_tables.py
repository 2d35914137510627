"""Every figure of the programme dashboard against the hand-built programme in dashboard_builders.py
(the figures below are worked out by hand from its docstring), its scope and its filters, and
a query count that does not grow with the data."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cms.curricula.vocabulary import Track
from courses.dashboard.figures import figures_refresh
from courses.dashboard.tables import (
    SUPPRESSED,
    TABLE_KEYS,
    DashboardFilterForm,
    DashboardFilters,
    dashboard_for,
    funnel_people,
    table_for,
)
from courses.models import Attendance, Site
from courses.sites.scope import sites_for
from tests.assessments.matched_builders import SEVEN
from tests.assessments.reflection_builders import version_with_items
from tests.courses.dashboard import dashboard_builders
from tests.factories import CourseRunFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = pytest.mark.clock

# The lead's site ids, then one query per table (the tutor gaps take two).
DASHBOARD_QUERIES = 12


@pytest.fixture
def data(riverside, hillside, programmes):
    return dashboard_builders.build_and_work_out(riverside, hillside, programmes)


def everything(user):
    return DashboardFilters(sites=sites_for(user))


def figures(table, *keys):
    return [tuple(row[key] for key in keys) for row in table.rows]


def filtered(user, **data):
    form = DashboardFilterForm(data, user=user)
    assert form.is_valid(), form.errors
    return form.filters()


# --- each figure ----------------------------------------------------------------------------------


def test_funnel_per_track(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["funnel"]
    keys = (
        "track",
        "enrolled",
        "started",
        "started_rate",
        "completed",
        "completed_rate",
        "answered",
        "answered_rate",
    )
    assert figures(table, *keys) == [
        (Track.PATIENT.label, 6, 5, 83.3, 2, 33.3, 2, 33.3),
        (Track.PROFESSIONAL.label, 4, 2, 50.0, 1, 25.0, 1, 25.0),
    ]


def test_funnel_people_behind_each_count(people, data):
    lead = people["lead"]
    patient = filtered(lead, track="patient")
    emails = {
        stage: sorted(e.trainee.email.split("@")[0] for e in funnel_people(lead, patient, stage))
        for stage in ["enrolled", "started", "completed"]
    }
    assert emails == {
        "enrolled": ["p1", "p2", "p3", "p4", "q1", "q2"],
        "started": ["p1", "p2", "p3", "p4", "q1"],
        "completed": ["p1", "p2"],
    }
    # Who sent a reflection is a count on the dashboard, never a list of people.
    with pytest.raises(KeyError):
        funnel_people(lead, patient, "answered")
    professional = filtered(lead, track="professional")
    assert sorted(
        e.trainee.email.split("@")[0] for e in funnel_people(lead, professional, "started")
    ) == ["e1", "e2"]


def test_completion_per_site(people, data, django_user_model):
    table = dashboard_for(people["lead"], everything(people["lead"]))["sites"]
    assert figures(table, "site", "enrolled", "completed", "rate") == [
        ("Riverside Health Board", 10, 3, 30.0)
    ]
    assert table.rows[0]["_url"] == "/sites/riverside/runs/"
    boss = django_user_model.objects.create_superuser(email="boss@example.com", password="x" * 12)
    table = dashboard_for(boss, everything(boss))["sites"]
    assert figures(table, "site", "enrolled", "completed", "rate") == [
        ("Hillside Health Board", 3, 2, 66.7),
        ("Riverside Health Board", 10, 3, 30.0),
    ]


def test_completion_per_run_lowest_first(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["runs"]
    assert figures(table, "run", "state", "enrolled", "completed", "rate") == [
        ("Riverside autumn", "Under way", 2, 0, 0.0),
        ("Riverside spring", "Finished", 4, 2, 50.0),
    ]
    autumn = data["runs"]["b"]
    assert table.rows[0]["_url"] == f"/sites/riverside/runs/{autumn.pk}/"
    assert table.rows[0]["first_session"] == timezone.localdate() - timedelta(weeks=1)


def test_runs_cut_to_the_limit_with_a_note(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]), limit=1)["runs"]
    assert figures(table, "run") == [("Riverside autumn",)]
    assert "The 1 runs with the lowest completion" in table.note
    assert len(table_for(people["lead"], everything(people["lead"]), "runs").rows) == 2


def test_attendance_per_session_number(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["attendance"]
    keys = ("session", "sessions", "booked", "marked", "present", "rate", "not_marked")
    assert figures(table, *keys) == [
        ("Session 1", 2, 6, 6, 5, 83.3, 0),
        ("Session 2", 1, 3, 3, 2, 66.7, 0),
        ("Session 3", 1, 3, 3, 2, 66.7, 0),
    ]
    # Every register is marked: nothing to point out above the table.
    assert table.summary == []


def test_elearning_per_month(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["elearning"]
    assert figures(table, "month", "enrolled", "completed", "rate") == [
        ("January 2025", 1, 1, 100.0),
        ("February 2025", 2, 0, 0.0),
    ]


def test_gaps_in_the_next_eight_weeks(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["gaps"]
    # By the readiness rules: Clare is accredited for the professional programme only, Lee for
    # the patient one only; run B's second session has no lay tutor, its third nobody.
    assert figures(table, "run", "session", "problems") == [
        ("Riverside autumn", 2, "Lay tutor: missing; clinical tutor: not accredited then"),
        ("Riverside autumn", 3, "Lay tutor: missing; clinical tutor: missing"),
        ("Partnership workshop", 1, "Lay tutor: not accredited then"),
    ]
    assert table.summary == [
        {"label": "Riverside Health Board", "value": 3, "url": "/sites/riverside/planner/"}
    ]
    assert table.rows[0]["_url"].startswith("/sites/riverside/sessions/")
    limited = dashboard_for(people["lead"], everything(people["lead"]), limit=1)["gaps"]
    assert len(limited.rows) == 1
    assert "The 1 soonest of 3 sessions" in limited.note


def test_accreditations_ending_in_ninety_days(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["expiring"]
    assert figures(table, "tutor", "kind", "programme", "expires_on", "site") == [
        (
            "Lay Lee",
            "Lay tutor",
            "Moving on Together",
            timezone.localdate() + timedelta(days=30),
            "Riverside Health Board",
        )
    ]


def test_load_per_tutor(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["load"]
    assert figures(table, "tutor", "sessions", "soon", "monthly_cap") == [
        ("Clare Clinic", 2, 2, 3),
        ("Lay Lee", 1, 1, 4),
        ("Lou Renewed", 0, 0, 4),
    ]
    assert table.rows[0]["_url"] == "/sites/riverside/planner/"


@pytest.fixture
def matched(riverside, hillside, programmes):
    """Seven Riverside people answered both reflections of a patient run (tests/assessments'
    SEVEN); five at Hillside (never seen by Riverside); three on a professional run."""
    version = version_with_items(slug="matched-patient")
    professional_version = version_with_items(slug="matched-professional")

    group = dashboard_builders.matched_group
    group(riverside, programmes["patient"], SEVEN, version)
    group(hillside, programmes["patient"], SEVEN[:5], version)
    group(riverside, programmes["professional"], SEVEN[:3], professional_version)
    figures_refresh()


def test_change_per_scale(people, matched):
    table = dashboard_for(people["lead"], filtered(people["lead"], track="patient"))["change"]
    keys = ("scale", "people", "before", "after", "change", "ci_low", "ci_high", "remark")
    # By hand: agenda changes 4, 1.5, -0.5, 2.5, 2.5, -1, 4; enabling 2, 0.5, 2.5, 1.5, 0.5, 0, 1;
    # intervals with Student's t for 6 degrees of freedom (2.4469).
    assert figures(table, *keys) == [
        ("Confidence in agenda setting", 7, 4.1, 6.0, 1.9, 0.0, 3.7, ""),
        ("Enabling rather than relieving", 7, 2.6, 3.7, 1.1, 0.3, 2.0, ""),
    ]
    professional = filtered(people["lead"], track="professional")
    table = dashboard_for(people["lead"], professional)["change"]
    assert figures(table, "people", "remark") == [(None, SUPPRESSED), (None, SUPPRESSED)]


def test_change_of_hillside_is_hillside_only(people, matched):
    table = dashboard_for(people["other_lead"], everything(people["other_lead"]))["change"]
    assert figures(table, "people") == [(5,), (5,)]


def test_no_data_at_all(people):
    tables = dashboard_for(people["lead"], everything(people["lead"]))
    assert set(tables) == set(TABLE_KEYS)
    assert figures(tables["funnel"], "enrolled", "started_rate") == [(0, None), (0, None)]
    assert all(not tables[key].rows for key in TABLE_KEYS if key != "funnel")


# --- scope ----------------------------------------------------------------------------------------


def test_a_riverside_lead_sees_nothing_of_hillside(people, data, matched):
    tables = dashboard_for(people["lead"], everything(people["lead"]))
    text = repr(tables)
    for hillside_thing in ["Hillside", "hillside", "Hal", "HE1", "H1 Hill", "Hillside winter"]:
        assert hillside_thing not in text
    for key in TABLE_KEYS:
        assert "Hillside" not in repr(table_for(people["lead"], everything(people["lead"]), key))


def test_the_hillside_lead_sees_hillside(people, data):
    tables = dashboard_for(people["other_lead"], everything(people["other_lead"]))
    assert figures(tables["funnel"], "enrolled", "started", "completed", "answered") == [
        (2, 2, 1, 1),
        (1, 0, 1, 1),
    ]
    # Hal's accreditation ends in 10 days, before the session in two weeks.
    assert figures(tables["gaps"], "run", "problems") == [
        ("Hillside next", "Lay tutor: not accredited then; clinical tutor: missing")
    ]
    assert figures(tables["expiring"], "tutor") == [("Hal Hill",)]
    assert "Riverside" not in repr(tables)


def test_filters_built_by_hand_cannot_leave_the_users_sites(people, data):
    forged = DashboardFilters(sites=Site.objects.filter(slug="hillside"))
    tables = dashboard_for(people["lead"], forged)
    assert figures(tables["funnel"], "enrolled") == [(0,), (0,)]
    assert "Hillside" not in repr(tables)
    assert table_for(people["lead"], forged, "runs").rows == []


# --- filters --------------------------------------------------------------------------------------


def test_filter_by_site(people, data, django_user_model, riverside, hillside):
    boss = django_user_model.objects.create_superuser(email="boss@example.com", password="x" * 12)
    tables = dashboard_for(boss, filtered(boss, site=str(hillside.pk)))
    assert figures(tables["sites"], "site") == [("Hillside Health Board",)]
    assert figures(tables["runs"], "run") == [("Hillside winter",)]


def test_filter_by_programme(people, data, programmes):
    lead = people["lead"]
    tables = dashboard_for(lead, filtered(lead, programme=str(programmes["professional"].pk)))
    assert figures(tables["funnel"], "track", "enrolled") == [(Track.PROFESSIONAL.label, 4)]
    assert tables["runs"].rows == []
    assert figures(tables["elearning"], "enrolled") == [(1,), (2,)]
    assert figures(tables["gaps"], "run") == [("Partnership workshop",)]
    assert tables["expiring"].rows == []
    assert figures(tables["load"], "tutor", "sessions") == [
        ("Clare Clinic", 1),
        ("Lay Lee", 1),
        ("Lou Renewed", 0),
    ]


def test_filter_by_track(people, data):
    lead = people["lead"]
    tables = dashboard_for(lead, filtered(lead, track="patient"))
    assert figures(tables["funnel"], "track", "enrolled") == [(Track.PATIENT.label, 6)]
    assert tables["elearning"].rows == []
    assert len(tables["gaps"].rows) == 2


def test_filter_by_period(people, data):
    lead = people["lead"]
    since = timezone.localdate() - timedelta(days=8)
    tables = dashboard_for(lead, filtered(lead, since=since.isoformat()))
    # Runs B (first session a week ago) and C (in three weeks); no e-learning since 2025.
    assert figures(tables["funnel"], "enrolled") == [(2,), (1,)]
    assert figures(tables["runs"], "run") == [("Riverside autumn",)]
    assert figures(tables["attendance"], "session", "booked") == [("Session 1", 2)]
    tables = dashboard_for(lead, filtered(lead, since="2025-02-01", until="28/02/2025"))
    assert figures(tables["elearning"], "month", "enrolled") == [("February 2025", 2)]
    assert figures(tables["funnel"], "enrolled") == [(0,), (2,)]


@pytest.mark.parametrize(
    "data_in, field",
    [
        ({"site": "hillside"}, "site"),
        ({"site": "99999999999999999999999"}, "site"),
        ({"programme": "-1"}, "programme"),
        ({"track": "nurses"}, "track"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "until"),
        ({"since": "31/02/2026"}, "since"),
        ({"until": "9999-12-31"}, "until"),
        ({"since": "1066-10-14"}, "since"),
    ],
)
def test_bad_filters_are_form_errors(people, data_in, field):
    form = DashboardFilterForm(data_in, user=people["lead"])
    assert not form.is_valid()
    assert field in form.errors


def test_another_sites_id_is_not_a_choice(people, hillside):
    form = DashboardFilterForm({"site": str(hillside.pk)}, user=people["lead"])
    assert not form.is_valid()
    assert "site" in form.errors


def test_programme_and_track_must_agree(people, programmes):
    form = DashboardFilterForm(
        {"programme": str(programmes["patient"].pk), "track": "professional"},
        user=people["lead"],
    )
    assert not form.is_valid()
    assert "track" in form.errors


def test_query_string_keeps_the_choices(people, riverside):
    form = DashboardFilterForm(
        {"site": str(riverside.pk), "since": "1/9/2026", "track": ""}, user=people["lead"]
    )
    assert form.is_valid()
    assert form.query(stage="started") == f"site={riverside.pk}&since=2026-09-01&stage=started"


def test_unknown_table_and_bad_limit(people):
    with pytest.raises(KeyError):
        table_for(people["lead"], everything(people["lead"]), "secrets")
    with pytest.raises(ValueError):
        dashboard_for(people["lead"], everything(people["lead"]), limit=10**9)


def test_superusers_see_every_site(data, django_user_model):
    boss = django_user_model.objects.create_superuser(email="boss@example.com", password="x" * 12)
    tables = dashboard_for(boss, everything(boss))
    assert figures(tables["funnel"], "enrolled") == [(8,), (5,)]


# --- cost -----------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_data(
    people, data, riverside, programmes, django_assert_num_queries
):
    lead = people["lead"]
    filters = filtered(lead, site=str(riverside.pk), since="2020-01-01")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        small = dashboard_for(lead, filters)
    dashboard_builders.grow(riverside, programmes["patient"], runs=4, people=7)
    figures_refresh()
    with django_assert_num_queries(DASHBOARD_QUERIES):
        large = dashboard_for(lead, filters)
    assert len(large["runs"].rows) == len(small["runs"].rows) + 4
    assert len(large["attendance"].rows) == 7


def test_each_export_table_is_two_or_three_queries(people, data, django_assert_max_num_queries):
    for key in TABLE_KEYS:
        with django_assert_max_num_queries(3 if key == "gaps" else 2):
            table_for(people["lead"], everything(people["lead"]), key)


def test_dates_in_rows_are_dates(people, data):
    table = dashboard_for(people["lead"], everything(people["lead"]))["expiring"]
    assert isinstance(table.rows[0]["expires_on"], date)


# --- registers not marked yet ------------------------------------------------------------------------


def _register(riverside, programmes, *, present, absent, unmarked):
    run = CourseRunFactory(site=riverside, programme=programmes["patient"], title="Unmarked group")
    first = dashboard_builders.session(run, 1, dashboard_builders.weeks_from_today(-1))
    people = [
        dashboard_builders.enrol(dashboard_builders.person(f"u{n}", f"U{n}", "Group"), run=run)
        for n in range(present + absent + unmarked)
    ]
    for enrolment in people[:present]:
        dashboard_builders.mark(first, enrolment)
    for enrolment in people[present : present + absent]:
        dashboard_builders.mark(first, enrolment, Attendance.Status.ABSENT)
    figures_refresh()
    return run


KEYS = ("session", "booked", "marked", "present", "rate", "not_marked")


def test_people_not_marked_are_not_counted_as_absent(people, riverside, programmes):
    _register(riverside, programmes, present=6, absent=1, unmarked=2)

    table = dashboard_for(people["lead"], everything(people["lead"]))["attendance"]

    # 6 of the 7 marked (85.7%), not 6 of the 9 on the course (66.7%).
    assert figures(table, *KEYS) == [("Session 1", 9, 7, 6, 85.7, 2)]
    assert table.summary == [
        {"label": "Session 1", "value": "85.7% present of 7 marked; 2 not marked yet"}
    ]


def test_a_register_nobody_marked_has_no_rate_rather_than_nobody_present(
    people, riverside, programmes
):
    _register(riverside, programmes, present=0, absent=0, unmarked=3)

    table = dashboard_for(people["lead"], everything(people["lead"]))["attendance"]

    assert figures(table, *KEYS) == [("Session 1", 3, 0, 0, None, 3)]
    assert table.summary == [{"label": "Session 1", "value": "nobody marked yet; 3 not marked"}]


def test_marking_the_rest_counts_them_at_the_next_refresh(people, riverside, programmes):
    run = _register(riverside, programmes, present=6, absent=1, unmarked=2)
    first = run.sessions.get()
    for enrolment in run.enrolments.exclude(attendance__session=first):
        dashboard_builders.mark(first, enrolment)
    figures_refresh()

    table = dashboard_for(people["lead"], everything(people["lead"]))["attendance"]

    assert figures(table, *KEYS) == [("Session 1", 9, 9, 8, 88.9, 0)]
    assert table.summary == []
