"""The dashboard page /programme/ and the people behind its funnel: who may see them, what
they show, bad input (400, never 500), and fixed query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.dashboard.figures import figures_refresh
from courses.dashboard.views import ANSWERS_PRIVATE, BAD_STAGE, NOT_YET, WORKED_OUT_AHEAD
from courses.models import Enrolment
from tests.courses.dashboard import dashboard_builders
from tests.factories import CourseRunFactory, UserFactory, totp_give

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = pytest.mark.clock

PAGE = "/programme/"
PEOPLE = "/programme/people/"


@pytest.fixture
def data(riverside, hillside, programmes):
    return dashboard_builders.build_and_work_out(riverside, hillside, programmes)


def test_urls():
    assert reverse("courses:programme") == PAGE
    assert reverse("courses:programme_people") == PEOPLE


@pytest.mark.parametrize(
    "role, expected",
    [
        ("trainee", 403),
        ("lay_tutor", 403),
        ("clinical_tutor", 403),
        ("other_lead", 200),
        ("lead", 200),
        ("site_admin", 200),
    ],
)
@pytest.mark.parametrize("url", [PAGE, PEOPLE + "?stage=enrolled"])
def test_who_may_see(client, people, role, expected, url):
    client.force_login(people[role])
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("url", [PAGE, PEOPLE + "?stage=enrolled"])
def test_anonymous_goes_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_superuser_sees_the_page(client, django_user_model, data):
    boss = django_user_model.objects.create_superuser(email="boss@example.com", password="x" * 12)
    totp_give(boss)  # system administrators must have a second factor to open the dashboard
    client.force_login(boss)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Hillside winter" in response.text
    assert "Riverside spring" in response.text


def test_the_page_shows_every_table_with_links(client, people, data, riverside):
    client.force_login(people["lead"])
    response = client.get(PAGE, {"site": riverside.pk})
    assert response.status_code == 200
    text = response.text
    for caption in [
        "From enrolment to the after reflection, per track",
        "Completion per site",
        "Completion per course run",
        "Attendance at each session",
        "E-learning completion by the month people enrolled",
        "Sessions in the next 8 weeks without a ready pair of tutors",
        "Accreditations ending in the next 90 days",
        "Sessions per tutor in the next 8 weeks",
    ]:
        assert f'<caption class="nhsuk-table__caption">{caption}</caption>' in text
    autumn = data["runs"]["b"]
    assert f'href="/sites/riverside/runs/{autumn.pk}/"' in text
    assert 'href="/sites/riverside/planner/"' in text
    assert (
        f'href="/programme/people/?site={riverside.pk}&amp;track=patient&amp;stage=completed"'
        in text
    )
    # Who sent the after reflection is a count, not a link to names.
    assert "stage=answered" not in text
    assert f'href="/programme/export/runs.csv?site={riverside.pk}"' in text
    assert f'href="/programme/export/runs.xlsx?site={riverside.pk}"' in text
    assert text.count('role="img"') == 3  # funnel, attendance, e-learning charts
    assert "Hillside" not in text
    assert "<script>" not in text


def test_a_group_whose_change_did_not_last_is_shown_to_its_lead(
    client, people, data, riverside, programmes
):
    from courses.models import RefresherAlert

    run = CourseRunFactory(
        site=riverside, programme=programmes["patient"], title="Thursday group at the library"
    )
    RefresherAlert.objects.create(run=run, months=3, sent_at=timezone.now())
    client.force_login(people["lead"])
    page = client.get(PAGE).content.decode()
    assert "Groups whose change has not lasted" in page
    assert "Thursday group at the library, 3 months after" in page
    client.force_login(people["other_lead"])
    assert "Thursday group at the library" not in client.get(PAGE).content.decode()


def test_empty_states(client, people):
    client.force_login(people["lead"])
    response = client.get(PAGE)
    assert response.status_code == 200
    # Before the figures were ever worked out, their tables say so rather than "nobody".
    assert "The figures of enrolment, attendance, completion and change have not been" in (
        response.text
    )
    assert response.text.count(NOT_YET) == len(WORKED_OUT_AHEAD)
    figures_refresh()
    response = client.get(PAGE)
    assert NOT_YET not in response.text
    assert "Good news: every session in the next 8 weeks has a ready pair of tutors." in (
        response.text
    )
    assert "Figures worked out at " in response.text
    assert "No course run has started yet for these choices." in response.text


@pytest.mark.parametrize(
    "query",
    [
        {"site": "hillside"},
        {"site": "99999999999999999999999999"},
        {"programme": "1e9"},
        {"track": "<script>"},
        {"since": "2026-05-01", "until": "2026-04-01"},
        {"since": "99999-01-01"},
        {"until": "9999-12-31"},
    ],
)
def test_bad_filters_are_400_with_errors(client, people, query):
    client.force_login(people["lead"])
    response = client.get(PAGE, query)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Correct the choices above" in response.text


def test_another_sites_filter_is_400(client, people, hillside):
    client.force_login(people["lead"])
    response = client.get(PAGE, {"site": hillside.pk})
    assert response.status_code == 400
    assert "Hillside" not in response.text.split("There is a problem")[1].split("</form>")[1]


# --- the people behind the funnel ------------------------------------------------------------------


def names(response):
    return [enrolment.trainee.email for enrolment in response.context["page"].object_list]


def test_people_behind_a_figure(client, people, data):
    client.force_login(people["lead"])
    response = client.get(PEOPLE, {"stage": "completed", "track": "patient"})
    assert response.status_code == 200
    assert sorted(names(response)) == ["p1@example.com", "p2@example.com"]
    assert "Riverside spring" in response.text
    response = client.get(PEOPLE, {"stage": "started", "track": "professional"})
    assert sorted(names(response)) == ["e1@example.com", "e2@example.com"]
    assert "Preparing for partnership (e-learning)" in response.text


def test_people_are_scoped(client, people, data, hillside):
    client.force_login(people["lead"])
    response = client.get(PEOPLE, {"stage": "enrolled"})
    assert not any(email.startswith("h") for email in names(response))
    assert client.get(PEOPLE, {"stage": "enrolled", "site": hillside.pk}).status_code == 400
    client.force_login(people["other_lead"])
    response = client.get(PEOPLE, {"stage": "enrolled"})
    assert sorted(names(response)) == ["h1@example.com", "h2@example.com", "he1@example.com"]


@pytest.mark.parametrize("stage", ["", "everyone", "<b>", "completed "])
def test_bad_stage_is_400_with_a_message(client, people, stage):
    client.force_login(people["lead"])
    response = client.get(PEOPLE, {"stage": stage})
    assert response.status_code == 400
    assert BAD_STAGE in response.text


def test_who_answered_a_reflection_is_never_listed(client, people):
    client.force_login(people["lead"])
    response = client.get(PEOPLE, {"stage": "answered"})
    assert response.status_code == 400
    assert ANSWERS_PRIVATE in response.text
    assert "@example.com" not in response.text


def test_people_bad_filters_are_400(client, people):
    client.force_login(people["lead"])
    response = client.get(PEOPLE, {"stage": "enrolled", "since": "tomorrow"})
    assert response.status_code == 400


def test_people_paginated_fifty_a_page(client, people, data):
    run = data["runs"]["a"]
    for _ in range(55):
        Enrolment.objects.create(trainee=UserFactory(), run=run, site=run.site)
    client.force_login(people["lead"])
    first = client.get(PEOPLE, {"stage": "enrolled", "track": "patient"})
    assert len(names(first)) == 50
    assert "page=2" in first.text
    second = client.get(PEOPLE, {"stage": "enrolled", "track": "patient", "page": 2})
    assert len(names(second)) == 6 + 55 - 50
    assert client.get(PEOPLE, {"stage": "enrolled", "page": "999999999999"}).status_code == 200


# --- cost ----------------------------------------------------------------------------------------

# Session, user, roles; the form's choices (sites, programmes); when the figures were worked
# out; the dashboard's twelve; the open alerts about lay tutors and refreshers.
PAGE_QUERIES = 3 + 2 + 1 + 12 + 2
PEOPLE_QUERIES = 3 + 1 + 2  # session, user, roles; the user's sites; count, rows


def test_page_query_count_is_fixed(
    client, people, data, riverside, programmes, django_assert_num_queries
):
    client.force_login(people["lead"])
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE).status_code == 200
    dashboard_builders.grow(riverside, programmes["patient"], runs=3, people=5)
    figures_refresh()
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE).status_code == 200


def test_people_query_count_is_fixed(
    client, people, data, riverside, programmes, django_assert_num_queries
):
    client.force_login(people["lead"])
    with django_assert_num_queries(PEOPLE_QUERIES):
        assert client.get(PEOPLE, {"stage": "started"}).status_code == 200
    dashboard_builders.grow(riverside, programmes["patient"], runs=3, people=5)
    with django_assert_num_queries(PEOPLE_QUERIES):
        assert client.get(PEOPLE, {"stage": "started"}).status_code == 200
