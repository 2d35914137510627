"""Bad input gets a clear answer and changes nothing: each case here was a 500, or was stored
without complaint, before (issue 14, part 7)."""

import logging

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms import validation
from courses.models import ClosedDay, CourseRun, InvitationCode, Venue
from tests.courses.workshops.run_form_builders import run_form, venue_data
from tests.strategies import typed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(client, people):
    client.force_login(people["lead"])
    return client


# --- NUL bytes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/abc%00def.ics",
        "/certificates/AB%00CD/",
        "/courses/?q=%00",
        "/curricula/search/?q=a%00b",
        "/accounts/login/?next=/%00",
        "/courses/?site=%00&site=1",
    ],
)
def test_a_nul_byte_in_an_address_is_a_400_not_a_500(url):
    response = Client(raise_request_exception=False).get(url)

    assert response.status_code == 400
    assert "a character that is not allowed" in response.text


def test_a_nul_byte_in_a_posted_form_is_a_400_and_changes_nothing(lead, workshop):
    response = lead.post(
        "/sites/riverside/runs/new/",
        {"title": "Autumn\x00group", "programme": workshop["programme"].pk},
    )

    assert response.status_code == 400
    assert not CourseRun.objects.filter(title__startswith="Autumn").exists()


def test_resetting_the_calendar_with_an_unknown_next_goes_home(client, people):
    client.force_login(people["trainee"])

    for next_url in ["not-a-page", "https://elsewhere.example/", "//elsewhere.example/", ""]:
        response = client.post("/calendar/reset/", {"next": next_url})
        assert (response.status_code, response["Location"]) == (302, "/")
    response = client.post("/calendar/reset/", {"next": "/learn/"})
    assert response["Location"] == "/learn/"


# --- dates, numbers and lengths ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_date": "31/12/9999"}, "first_date", "Start date must be between 2000 and 2100"),
        ({"first_date": "1/1/0001"}, "first_date", "Start date must be between 2000 and 2100"),
        (
            {"first_date_day": "1", "first_date_month": "1", "first_date_year": "0001"},
            "first_date",
            "Start date must be between 2000 and 2100",
        ),
        ({"closed_dates": "25/12/1999"}, "closed_dates", validation.DATE_OUT_OF_RANGE),
        ({"capacity": "１２"}, "capacity", "Places must be a whole number, like 15"),
        ({"reminder_days": "１２"}, "__all__", "Give whole numbers of days from 1 to 60"),
        ({"title": "Autumn\r\nBcc: all@example.com"}, "title", validation.CONTROL_CHARACTERS),
    ],
)
def test_planning_a_run_refuses_implausible_values_with_a_message(
    lead, workshop, changes, field, message
):
    runs_before = CourseRun.objects.count()

    response = lead.post("/sites/riverside/runs/new/", run_form(workshop, **changes))

    assert response.status_code in {200, 400}
    assert message in " ".join(response.context["form"].errors[field])
    assert CourseRun.objects.count() == runs_before


def test_invitation_codes_must_end_in_a_plausible_year(lead, elearning, riverside):
    module, _lesson = elearning

    response = lead.post(
        "/learn/invitations/",
        {"site": riverside.pk, "module": module.pk, "valid_from": "", "valid_until": "1/1/0001"},
    )

    assert "Last day it can be used must be between 2000 and 2100" in response.text
    assert not InvitationCode.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": "x" * 1_000_000}, "address"),
        ({"access_notes": "y" * 5000}, "access_notes"),
        ({"name": "Eastgate\nHealth Centre"}, "name"),
        ({"address": "2 East Gate\x07"}, "address"),
    ],
)
def test_the_venue_screen_refuses_huge_or_control_character_text(lead, riverside, changes, field):
    response = lead.post(reverse("venues:add"), venue_data(riverside, **changes))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Venue.objects.exists()


def test_a_venue_address_may_have_line_breaks(lead, riverside):
    response = lead.post(
        reverse("venues:add"), venue_data(riverside, address="2 East Gate\r\nRiverside")
    )

    assert response.status_code == 302
    assert Venue.objects.get().address == "2 East Gate\r\nRiverside"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_closed_days_must_be_in_a_plausible_year(lead, riverside, day):
    response = lead.post(
        reverse("closed_days:add"), {"site": riverside.pk, "date": day, "reason": "Holiday"}
    )

    assert response.status_code == 200
    assert validation.DATE_OUT_OF_RANGE in " ".join(response.context["form"].errors["date"])
    assert not ClosedDay.objects.exists()


def test_sign_up_refuses_a_name_with_a_line_break(client, home_page):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "first_name": "Ann\r\nBcc: everyone@example.com",
            "last_name": "Person",
            "audience": "condition",
        },
    )

    assert response.status_code == 200
    assert validation.CONTROL_CHARACTERS in response.text


# --- the dashboard's refresh, and 403s in the log -------------------------------------------------


def test_ten_presses_of_refresh_with_the_worker_idle_queue_one_task(lead, settings):
    from django.tasks import default_task_backend

    # A queue nobody works through: the figures are never worked out while the lead presses.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

    for _ in range(10):
        assert lead.post("/programme/refresh/").status_code == 302

    queued = [result.task.name for result in default_task_backend.results]
    assert queued == ["refresh_dashboard_figures"]


def test_a_403_is_logged_on_one_line_without_a_traceback(client, people, caplog):
    client.force_login(people["trainee"])

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/programme/")

    assert response.status_code == 403
    handler = logging.getLogger().handlers[0]
    lines = [handler.format(record) for record in caplog.records if record.status_code == 403]
    assert lines == ["Forbidden (Permission denied): /programme/"]


@given(
    data=st.dictionaries(typed_text(min_size=1, max_size=20), typed_text(max_size=40), max_size=5),
    where=st.integers(min_value=0, max_value=40),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_form_with_a_nul_somewhere_is_a_400_and_writes_nothing(lead, workshop, data, where):
    data = {**run_form(workshop), **data}
    key = sorted(data)[where % len(data)]
    data[key] = str(data[key])[:where] + "\x00" + str(data[key])[where:]
    runs_before = CourseRun.objects.count()

    response = lead.post("/sites/riverside/runs/new/", data)

    assert response.status_code == 400
    assert CourseRun.objects.count() == runs_before
