"""A tutor's next sessions on their Wagtail dashboard: at most five, soonest first, with date and
time, venue and co-tutor; past sessions and cancelled runs left out; queries fixed."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from courses.models import CourseRun, TutorKind
from courses.workshops.upcoming import next_sessions_for
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
    programme_page,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(home_page):
    programme = programme_page()
    site = SiteFactory()
    lay = TutorFactory(
        site=site,
        kind=TutorKind.LAY,
        user=UserFactory(first_name="Alan", last_name="Lay"),
        accredited_for=[programme],
    )
    clinical = TutorFactory(
        site=site,
        kind=TutorKind.CLINICAL,
        user=UserFactory(first_name="Fiona", last_name="MacLeod"),
        accredited_for=[programme],
    )
    venue = VenueFactory(site=site, name="Riverside Community Centre")
    run = CourseRunFactory(site=site, venue=venue, programme=programme, title="Riverside spring")
    return {"programme": programme, "lay": lay, "clinical": clinical, "run": run}


def session(run, number, days, *, lay=None, clinical=None, at=time(10, 0)):
    starts_at = days_from_today(days, at=at)
    return SessionFactory(
        run=run,
        number=number,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        lay_tutor=lay,
        clinical_tutor=clinical,
    )


def test_the_next_five_sessions_soonest_first_with_time_venue_and_co_tutor(pair):
    run, lay, clinical = pair["run"], pair["lay"], pair["clinical"]
    session(run, 1, -7, lay=lay, clinical=clinical)  # over: not shown
    for number, days in enumerate([30, 2, 9, 16, 23, 37], start=2):
        session(run, number, days, lay=lay, clinical=clinical if number != 3 else None)

    rows = next_sessions_for(lay.user)

    assert [row.title for row in rows] == [
        f"Riverside spring, session {number}" for number in (3, 4, 5, 6, 2)
    ]
    first = rows[0]
    assert first.co_tutor == "not assigned yet"
    assert rows[1].co_tutor == "Fiona MacLeod"
    assert first.when.endswith(", 10:00 to 13:00")
    assert first.venue.startswith("Riverside Community Centre, ")
    assert first.plan_url == reverse("courses:session_plan", args=[run.sessions.get(number=3).pk])
    assert [row.co_tutor for row in next_sessions_for(clinical.user)][0] == "Alan Lay"


def test_a_cancelled_run_and_someone_elses_sessions_are_left_out(pair):
    run, lay, clinical = pair["run"], pair["lay"], pair["clinical"]
    session(run, 1, 3, clinical=clinical)
    cancelled = CourseRunFactory(
        site=run.site,
        venue=run.venue,
        programme=pair["programme"],
        status=CourseRun.Status.CANCELLED,
    )
    session(cancelled, 1, 4, lay=lay)
    assert next_sessions_for(lay.user) == []
    assert len(next_sessions_for(clinical.user)) == 1


def test_the_dashboard_shows_them_with_a_link_to_my_teaching(client, pair):
    session(pair["run"], 1, 2, lay=pair["lay"], clinical=pair["clinical"])
    client.force_login(pair["lay"].user)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Your next sessions" in content
    assert "Riverside spring, session 1" in content and "Fiona MacLeod" in content
    assert f'href="{reverse("courses:teach")}"' in content


def test_a_lead_gets_no_sessions_panel(client, pair):
    client.force_login(UserFactory(roles=["programme lead"], is_superuser=True))
    assert "Your next sessions" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_query_count_does_not_grow_with_sessions(pair, django_assert_num_queries):
    run, lay, clinical = pair["run"], pair["lay"], pair["clinical"]
    session(run, 1, 2, lay=lay, clinical=clinical)
    user = type(lay.user).objects.get(pk=lay.user.pk)
    with django_assert_num_queries(1):
        assert len(next_sessions_for(user)) == 1
    for number in range(2, 9):
        session(run, number, number * 7, lay=lay, clinical=clinical)
    with django_assert_num_queries(1):
        assert len(next_sessions_for(user)) == 5
