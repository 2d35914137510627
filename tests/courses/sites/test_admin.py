"""Venues, the tutor pool and closed days in the Wagtail admin, for leads and site administrators
of their own sites only."""

import csv
import io
from datetime import date, time, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cms.roles import Role
from courses.models import Accreditation, ClosedDay, Tutor, TutorKind, Venue, WeeklyAvailability
from courses.sites.admin import TUTOR_NOT_AT_SITE, TUTOR_ROLE_MISSING
from courses.wagtail_hooks import IN_USE_ELSEWHERE
from tests.courses.workshops.run_form_builders import venue_data
from tests.factories import (
    CourseRunFactory,
    SiteMembershipFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
)
from tests.strategies import typed_text

pytestmark = pytest.mark.django_db

SCREENS = ["venues", "tutors", "closed_days"]
MANAGERS = ["lead", "site_admin"]


def url(screen, view, pk=None):
    return reverse(f"{screen}:{view}", args=[pk] if pk is not None else [])


def tutor_at(site, *, kind=TutorKind.LAY, first_name="Alan", last_name="Reid", **extra):
    """A tutor whose person is a member of `site`, as in real life."""
    person = UserFactory(first_name=first_name, last_name=last_name)
    SiteMembershipFactory(site=site, user=person)
    return TutorFactory(user=person, site=site, kind=kind, **extra)


@pytest.fixture
def estate(riverside, hillside, programmes):
    """A venue, a tutor and a closed day at each of Riverside and Hillside."""
    return {
        "riverside": {
            "venues": VenueFactory(site=riverside, name="Riverside Library", postcode="RV1 1AA"),
            "tutors": tutor_at(
                riverside,
                first_name="Ruth",
                last_name="Baxter",
                accredited_for=[programmes["patient"]],
            ),
            "closed_days": ClosedDay.objects.create(
                site=riverside, date=date(2027, 5, 3), reason="Riverside bank holiday"
            ),
        },
        "hillside": {
            "venues": VenueFactory(site=hillside, name="Hillside Hall", postcode="HS1 1AA"),
            "tutors": tutor_at(hillside, first_name="Harriet", last_name="Hillside"),
            "closed_days": ClosedDay.objects.create(
                site=hillside, date=date(2027, 5, 4), reason="Hillside staff training"
            ),
        },
    }


NAMES = {
    "venues": lambda row: row.name,
    "tutors": lambda row: row.name,
    "closed_days": lambda row: row.reason,
}


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("screen", SCREENS)
def test_a_manager_lists_the_rows_of_their_sites_only(client, people, estate, role, screen):
    client.force_login(people[role])

    response = client.get(url(screen, "index"))

    assert response.status_code == 200
    page = response.content.decode()
    assert NAMES[screen](estate["riverside"][screen]) in page
    assert NAMES[screen](estate["hillside"][screen]) not in page
    assert list(response.context["object_list"]) == [estate["riverside"][screen]]


@pytest.mark.parametrize("screen", SCREENS)
def test_the_other_sites_lead_sees_only_theirs(client, people, estate, screen):
    client.force_login(people["other_lead"])

    response = client.get(url(screen, "index"))

    assert list(response.context["object_list"]) == [estate["hillside"][screen]]


@pytest.mark.parametrize("screen", SCREENS)
def test_a_superuser_sees_every_site(client, estate, screen):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.get(url(screen, "index"))

    assert set(response.context["object_list"]) == {
        estate["riverside"][screen],
        estate["hillside"][screen],
    }


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("screen", SCREENS)
def test_another_sites_row_is_not_found_by_address(client, people, estate, role, screen):
    """Opening, saving, deleting or reading the history of a Hillside row by its address: 404,
    and the row is unchanged."""
    row = estate["hillside"][screen]
    before = {
        field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields
    }
    client.force_login(people[role])

    statuses = {
        "edit": client.get(url(screen, "edit", row.pk)).status_code,
        "save": client.post(url(screen, "edit", row.pk), {"name": "Taken", "reason": "Taken"}),
        "delete page": client.get(url(screen, "delete", row.pk)).status_code,
        "delete": client.post(url(screen, "delete", row.pk)).status_code,
        "history": client.get(url(screen, "history", row.pk)).status_code,
        "usage": client.get(url(screen, "usage", row.pk)).status_code,
    }
    statuses["save"] = statuses["save"].status_code

    assert statuses == dict.fromkeys(statuses, 404)
    row.refresh_from_db()
    assert {
        field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields
    } == before


@pytest.mark.parametrize("screen", SCREENS)
def test_a_lead_opens_their_own_sites_row(client, people, estate, screen):
    row = estate["riverside"][screen]
    client.force_login(people["lead"])

    assert {
        view: client.get(url(screen, view, row.pk)).status_code
        for view in ("edit", "delete", "history", "usage")
    } == dict.fromkeys(("edit", "delete", "history", "usage"), 200)


@pytest.mark.parametrize(
    ("role", "status", "location"),
    [
        # No admin access at all: Wagtail sends them to sign in (our allauth page).
        ("trainee", 302, "/accounts/login/"),
        # Admin access for writing curricula, but no permission here: back to the admin home.
        ("lay_tutor", 302, "/admin/"),
        ("clinical_tutor", 302, "/admin/"),
    ],
)
@pytest.mark.parametrize("screen", SCREENS)
def test_trainees_and_tutors_get_no_access(client, people, estate, role, status, location, screen):
    row = estate["riverside"][screen]
    client.force_login(people[role])

    responses = [
        client.get(url(screen, "index")),
        client.get(url(screen, "add")),
        client.get(url(screen, "edit", row.pk)),
        client.post(url(screen, "delete", row.pk)),
    ]

    assert [(r.status_code, r["Location"].split("?")[0]) for r in responses] == [
        (status, location)
    ] * 4
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_workshops_menu_shows_to_managers_only(client, people):
    def menu_of(role):
        client.force_login(people[role])
        page = client.get("/admin/").content.decode()
        return {
            path
            for path in ("/admin/venues/", "/admin/tutors/", "/admin/closed_days/")
            if path in page
        }

    assert menu_of("lead") == {"/admin/venues/", "/admin/tutors/", "/admin/closed_days/"}
    assert menu_of("site_admin") == {"/admin/venues/", "/admin/tutors/", "/admin/closed_days/"}
    assert menu_of("lay_tutor") == set()


def test_the_roles_hold_the_model_permissions():
    codenames = {
        f"{action}_{model}"
        for model in ("venue", "tutor", "closedday")
        for action in ("add", "change", "delete", "view")
    }
    for role in (Role.PROGRAMME_LEAD, Role.SITE_ADMINISTRATOR):
        held = set(
            Group.objects.get(name=role.value)
            .permissions.filter(content_type__app_label="courses")
            .values_list("codename", flat=True)
        )
        assert codenames <= held
    for role in (Role.TRAINEE, Role.LAY_TUTOR, Role.CLINICAL_TUTOR):
        assert (
            not Group.objects.get(name=role.value)
            .permissions.filter(codename__in=codenames)
            .exists()
        )
    access_admin = Permission.objects.get(codename="access_admin")
    assert (
        Group.objects.get(name=Role.SITE_ADMINISTRATOR.value)
        .permissions.filter(pk=access_admin.pk)
        .exists()
    )


# --- choices in the forms -----------------------------------------------------------------------


@pytest.mark.parametrize("screen", SCREENS)
def test_the_site_choice_holds_the_managers_sites_only(client, people, riverside, screen):
    client.force_login(people["lead"])

    form = client.get(url(screen, "add")).context["form"]

    assert list(form.fields["site"].queryset) == [riverside]


def test_a_lead_adds_a_venue_at_their_site(client, people, riverside):
    client.force_login(people["lead"])

    response = client.post(url("venues", "add"), venue_data(riverside))

    assert response.status_code == 302
    venue = Venue.objects.get(name="Eastgate Health Centre")
    assert venue.site == riverside
    assert venue.step_free and not venue.hearing_loop


def test_a_lead_cannot_add_a_venue_at_another_site(client, people, hillside):
    client.force_login(people["lead"])

    response = client.post(url("venues", "add"), venue_data(hillside))

    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert not Venue.objects.exists()


def test_a_lead_cannot_move_a_venue_to_another_site(client, people, estate, riverside, hillside):
    venue = estate["riverside"]["venues"]
    client.force_login(people["lead"])

    response = client.post(url("venues", "edit", venue.pk), venue_data(hillside, name=venue.name))

    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    venue.refresh_from_db()
    assert venue.site == riverside


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "lots"}, "capacity"),
        ({"name": ""}, "name"),
        ({"name": "Riverside Library"}, "__all__"),  # one venue of that name per site
    ],
)
def test_bad_venue_input_is_refused_clearly(client, people, estate, riverside, data, field):
    client.force_login(people["lead"])

    response = client.post(url("venues", "add"), venue_data(riverside, **data))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Venue.objects.filter(site=riverside).count() == 1


@pytest.fixture
def candidates(riverside, hillside, people):
    """People a Riverside lead might look for when adding to the pool."""
    lay = UserFactory(first_name="Tom", last_name="Hughes", roles=[Role.LAY_TUTOR.value])
    SiteMembershipFactory(site=riverside, user=lay)
    clinician = UserFactory(first_name="Owen", last_name="Price", roles=[Role.CLINICAL_TUTOR.value])
    SiteMembershipFactory(site=riverside, user=clinician)
    elsewhere = UserFactory(first_name="Hannah", last_name="Hill", roles=[Role.LAY_TUTOR.value])
    SiteMembershipFactory(site=hillside, user=elsewhere)
    nowhere = UserFactory(first_name="Nina", last_name="Nowhere", roles=[Role.LAY_TUTOR.value])
    in_pool = tutor_at(riverside, first_name="Ida", last_name="Inpool")
    return {
        "lay": lay,
        "clinician": clinician,
        "elsewhere": elsewhere,
        "nowhere": nowhere,
        "in_pool": in_pool.user,
        "trainee": people["trainee"],
        "lead": people["lead"],
    }


def test_the_person_choice_holds_tutors_at_the_leads_sites_not_yet_in_a_pool(
    client, people, candidates
):
    client.force_login(people["lead"])

    form = client.get(url("tutors", "add")).context["form"]

    # The Riverside lay and clinical tutors of the people fixture are not in a pool either.
    assert set(form.fields["user"].queryset) == {
        candidates["lay"],
        candidates["clinician"],
        people["lay_tutor"],
        people["clinical_tutor"],
    }
    assert "Tom Hughes (" in form.fields["user"].label_from_instance(candidates["lay"])


def test_the_person_choice_keeps_the_tutor_being_edited(client, people, estate):
    tutor = estate["riverside"]["tutors"]
    client.force_login(people["lead"])

    form = client.get(url("tutors", "edit", tutor.pk)).context["form"]

    assert tutor.user in form.fields["user"].queryset


def tutor_data(*, user, site, kind=TutorKind.LAY, accreditations=(), availability=(), away=()):
    return nested_form_data(
        {
            "user": user.pk if user else "",
            "site": site.pk,
            "kind": kind,
            "monthly_cap": "4",
            "is_active": "on",
            "accreditations": inline_formset(list(accreditations)),
            "availability": inline_formset(list(availability)),
            "time_away": inline_formset(list(away)),
        }
    )


def test_a_lead_adds_a_tutor_with_accreditation_availability_and_time_away(
    client, people, riverside, programmes, candidates
):
    client.force_login(people["lead"])

    response = client.post(
        url("tutors", "add"),
        tutor_data(
            user=candidates["clinician"],
            site=riverside,
            kind=TutorKind.CLINICAL,
            accreditations=[
                {
                    "programme": programmes["professional"].pk,
                    "accredited_on": "2026-01-10",
                    "expires_on": "2028-01-09",
                }
            ],
            availability=[{"weekday": "3", "starts_at": "17:00", "ends_at": "20:00"}],
            away=[{"first_day": "2027-08-01", "last_day": "2027-08-14", "note": "Holiday"}],
        ),
    )

    assert response.status_code == 302, response.context["form"].errors
    tutor = Tutor.objects.get(user=candidates["clinician"])
    assert (tutor.site, tutor.kind) == (riverside, TutorKind.CLINICAL)
    assert [(a.programme_id, a.expires_on) for a in tutor.accreditations.all()] == [
        (programmes["professional"].pk, date(2028, 1, 9))
    ]
    assert [(a.weekday, a.starts_at) for a in tutor.availability.all()] == [(3, time(17, 0))]
    assert [a.note for a in tutor.time_away.all()] == ["Holiday"]


@pytest.mark.parametrize("who", ["elsewhere", "nowhere", "in_pool", "trainee", "lead"])
def test_a_lead_cannot_put_just_anyone_in_the_pool(client, people, riverside, candidates, who):
    """Someone at another site, at no site, already in a pool, or without a tutor role."""
    pool_before = list(Tutor.objects.values_list("pk", "user_id", "site_id", "kind"))
    client.force_login(people["lead"])

    response = client.post(url("tutors", "add"), tutor_data(user=candidates[who], site=riverside))

    assert response.status_code == 200
    assert response.context["form"].errors["user"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert list(Tutor.objects.values_list("pk", "user_id", "site_id", "kind")) == pool_before


def test_a_tutor_of_the_wrong_kind_for_their_role_is_refused(client, people, riverside, candidates):
    client.force_login(people["lead"])

    response = client.post(
        url("tutors", "add"),
        tutor_data(user=candidates["lay"], site=riverside, kind=TutorKind.CLINICAL),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["user"] == [
        TUTOR_ROLE_MISSING.format(person="Tom Hughes", kind="clinical tutor")
    ]
    assert not Tutor.objects.filter(user=candidates["lay"]).exists()


def test_a_tutor_must_be_a_member_of_the_chosen_site(client, people, riverside, hillside):
    """A lead of two sites picks a person of one and the site of the other."""
    lead = people["lead"]
    SiteMembershipFactory(site=hillside, user=lead)
    person = UserFactory(first_name="Hal", last_name="Hills", roles=[Role.LAY_TUTOR.value])
    SiteMembershipFactory(site=hillside, user=person)
    client.force_login(lead)

    response = client.post(url("tutors", "add"), tutor_data(user=person, site=riverside))

    assert response.context["form"].errors["user"] == [
        TUTOR_NOT_AT_SITE.format(person="Hal Hills", site=riverside)
    ]
    assert not Tutor.objects.filter(user=person).exists()


# --- the model's own rules, shown as form errors -------------------------------------------------


def existing_tutor_data(tutor, *, accreditation=None, availability=None, away=None):
    """The edit form of `tutor` as the browser would post it, with one row changed or added."""
    accreditations = [
        {
            "id": row.pk,
            "programme": row.programme_id,
            "accredited_on": row.accredited_on.isoformat(),
            "expires_on": row.expires_on.isoformat(),
        }
        for row in tutor.accreditations.all()
    ]
    slots = [
        {
            "id": row.pk,
            "weekday": row.weekday,
            "starts_at": row.starts_at.strftime("%H:%M"),
            "ends_at": row.ends_at.strftime("%H:%M"),
        }
        for row in tutor.availability.all()
    ]
    data = {
        "user": tutor.user_id,
        "site": tutor.site_id,
        "kind": tutor.kind,
        "monthly_cap": tutor.monthly_cap,
        "is_active": "on",
        "accreditations": inline_formset(
            accreditations + ([accreditation] if accreditation else []),
            initial=len(accreditations),
        ),
        "availability": inline_formset(
            slots + ([availability] if availability else []), initial=len(slots)
        ),
        "time_away": inline_formset([away] if away else []),
    }
    return nested_form_data(data)


def snapshot(tutor):
    return (
        list(tutor.accreditations.values_list("programme_id", "accredited_on", "expires_on")),
        list(tutor.availability.values_list("weekday", "starts_at", "ends_at")),
        list(tutor.time_away.values_list("first_day", "last_day")),
        Tutor.objects.filter(pk=tutor.pk).values_list("monthly_cap", "kind").get(),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"availability": {"weekday": "1", "starts_at": "13:00", "ends_at": "10:00"}},
            "The end time must be after the start time.",
        ),
        (
            {"away": {"first_day": "2027-08-14", "last_day": "2027-08-01", "note": ""}},
            "The last day away must be on or after the first.",
        ),
        (
            {"accreditation": "reversed"},
            "An accreditation must expire after it starts.",
        ),
    ],
    ids=["availability", "time away", "accreditation"],
)
def test_the_models_date_and_time_rules_show_as_form_errors(
    client, people, estate, programmes, change, message
):
    tutor = estate["riverside"]["tutors"]
    if change.get("accreditation") == "reversed":
        change = {
            "accreditation": {
                "programme": programmes["professional"].pk,
                "accredited_on": "2027-01-01",
                "expires_on": "2026-01-01",
            }
        }
    before = snapshot(tutor)
    client.force_login(people["lead"])

    response = client.post(url("tutors", "edit", tutor.pk), existing_tutor_data(tutor, **change))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(tutor) == before


def test_a_lead_edits_their_tutors_availability(client, people, estate):
    tutor = estate["riverside"]["tutors"]
    client.force_login(people["lead"])

    response = client.post(
        url("tutors", "edit", tutor.pk),
        existing_tutor_data(
            tutor, availability={"weekday": "6", "starts_at": "09:00", "ends_at": "12:00"}
        ),
    )

    assert response.status_code == 302
    assert WeeklyAvailability.objects.filter(tutor=tutor, weekday=6, starts_at=time(9, 0)).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"site": "not-a-number", "date": "31/02/2027"},
        {"site": "999999", "date": "2027-02-30"},
        {"site": "1 OR 1=1", "date": "０３/０５/２０２７", "reason": "x" * 500},
    ],
)
def test_bad_closed_day_input_never_fails_the_page(client, people, riverside, data):
    client.force_login(people["lead"])

    response = client.post(url("closed_days", "add"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ClosedDay.objects.exists()


def test_the_same_closed_day_twice_is_refused(client, people, estate, riverside):
    client.force_login(people["lead"])

    response = client.post(
        url("closed_days", "add"),
        {"site": riverside.pk, "date": "2027-05-03", "reason": "Again"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert ClosedDay.objects.filter(site=riverside).count() == 1


@pytest.mark.parametrize("screen", ["venues", "tutors"])
def test_a_row_that_courses_use_is_kept_and_the_page_says_why(
    client, people, estate, riverside, programmes, screen
):
    venue = estate["riverside"]["venues"]
    tutor = estate["riverside"]["tutors"]
    run = CourseRunFactory(site=riverside, venue=venue, programme=programmes["patient"])
    run.sessions.create(
        number=1,
        venue=venue,
        starts_at=run.created_at + timedelta(days=7),
        ends_at=run.created_at + timedelta(days=7, hours=3),
        lay_tutor=tutor,
    )
    row = {"venues": venue, "tutors": tutor}[screen]
    client.force_login(people["lead"])

    response = client.post(url(screen, "delete", row.pk), follow=True)

    assert response.status_code == 200
    assert type(row).objects.filter(pk=row.pk).exists()
    shown = [str(message) for message in response.context["messages"]]
    assert any(
        message.startswith(IN_USE_ELSEWHERE.format(name=row, instead="").strip())
        for message in shown
    ), shown


def test_a_lead_deletes_their_closed_day(client, people, estate):
    row = estate["riverside"]["closed_days"]
    client.force_login(people["lead"])

    response = client.post(url("closed_days", "delete", row.pk))

    assert response.status_code == 302
    assert not ClosedDay.objects.filter(pk=row.pk).exists()
    assert ClosedDay.objects.filter(pk=estate["hillside"]["closed_days"].pk).exists()


# --- the tutor list and exports ----------------------------------------------------------------


def test_the_tutor_list_shows_the_first_accreditation_to_lapse(
    client, people, riverside, programmes
):
    tutor = tutor_at(riverside, first_name="Grace", last_name="Adeyemi", available=False)
    patient, professional = programmes["patient"], programmes["professional"]
    Accreditation.objects.bulk_create(
        [
            # Patient programme: renewed, so the older expiry no longer counts.
            Accreditation(
                tutor=tutor,
                programme=patient,
                accredited_on=date(2024, 1, 1),
                expires_on=date(2026, 12, 31),
            ),
            Accreditation(
                tutor=tutor,
                programme=patient,
                accredited_on=date(2026, 12, 1),
                expires_on=date(2029, 6, 30),
            ),
            Accreditation(
                tutor=tutor,
                programme=professional,
                accredited_on=date(2025, 1, 1),
                expires_on=date(2028, 3, 31),
            ),
        ]
    )
    untrained = tutor_at(riverside, first_name="Una", last_name="Untrained", available=False)
    client.force_login(people["lead"])

    response = client.get(url("tutors", "index"))

    rows = {row: row.accreditation_lapses_on for row in response.context["object_list"]}
    assert rows == {tutor: date(2028, 3, 31), untrained: None}
    headings = [column.label for column in response.context["table"].columns.values()]
    assert headings[:6] == [
        "Name",
        "Kind",
        "Site",
        "Most sessions they may teach in a month",
        "Teaching",
        "Next accreditation expiry",
    ]


def test_the_tutor_list_filters_by_kind_and_searches_by_name(client, people, riverside):
    tutor_at(riverside, first_name="Alan", last_name="Reid")
    fiona = tutor_at(riverside, kind=TutorKind.CLINICAL, first_name="Fiona", last_name="MacLeod")
    client.force_login(people["lead"])

    by_kind = client.get(url("tutors", "index"), {"kind": "clinical"})
    by_name = client.get(url("tutors", "index"), {"q": "macleod"})

    assert list(by_kind.context["object_list"]) == [fiona]
    assert list(by_name.context["object_list"]) == [fiona]


def test_the_site_filter_offers_the_managers_sites_only(client, people, riverside):
    client.force_login(people["lead"])

    filters = client.get(url("venues", "index")).context["filters"]

    assert list(filters.form.fields["site"].queryset) == [riverside]


def test_a_lead_cannot_filter_their_way_into_another_site(client, people, estate, hillside):
    client.force_login(people["lead"])

    response = client.get(url("venues", "index"), {"site": hillside.pk})

    assert response.status_code == 200
    assert "Hillside Hall" not in response.content.decode()


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("screen", "filename", "heading", "riverside_cell", "hillside_cell"),
    [
        ("venues", "venues.csv", ["Site", "Name", "Address"], "Riverside Library", "Hillside Hall"),
        ("tutors", "tutor-pool.csv", ["Name", "Email", "Kind"], "Ruth Baxter", "Harriet Hillside"),
        (
            "closed_days",
            "closed-days.csv",
            ["Site", "Date", "Closed or open"],
            "2027-05-03",
            "2027-05-04",
        ),
    ],
)
def test_the_csv_export_holds_the_managers_rows_only(
    client, people, estate, screen, filename, heading, riverside_cell, hillside_cell
):
    client.force_login(people["lead"])

    response = client.get(url(screen, "index"), {"export": "csv"})

    assert filename in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == heading
    assert len(rows) == 2
    assert riverside_cell in rows[1]
    assert not any(hillside_cell in row for row in rows)


def test_the_tutor_export_carries_the_accreditation_expiry(client, people, estate):
    client.force_login(people["lead"])

    rows = read_csv(client.get(url("tutors", "index"), {"export": "csv"}))

    expiry = estate["riverside"]["tutors"].accreditations.get().expires_on
    assert dict(zip(rows[0], rows[1], strict=True)) == {
        "Name": "Ruth Baxter",
        "Email": estate["riverside"]["tutors"].user.email,
        "Kind": "Lay tutor",
        "Site": "Riverside Health Board",
        "Most sessions they may teach in a month": "8",
        "Teaching": "Yes",
        "Next accreditation expiry": expiry.isoformat(),
    }


def test_the_xlsx_export_parses_back(client, people, estate):
    openpyxl = pytest.importorskip("openpyxl")
    client.force_login(people["site_admin"])

    response = client.get(url("venues", "index"), {"export": "xlsx"})

    assert response.status_code == 200
    assert 'filename="venues.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Site", "Name", "Address", "Postcode"]
    assert [row[1] for row in rows[1:]] == ["Riverside Library"]
    assert rows[1][4] == 20


# --- query counts -------------------------------------------------------------------------------


def index_queries(client, screen):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(screen, "index"))
    assert response.status_code == 200
    return len(queries)


def grow(screen, site, programmes, count):
    for n in range(count):
        if screen == "venues":
            VenueFactory(site=site)
        elif screen == "tutors":
            tutor_at(
                site,
                kind=TutorKind.LAY if n % 2 else TutorKind.CLINICAL,
                first_name=f"Tutor{n}",
                accredited_for=[programmes["patient"], programmes["professional"]],
            )
        else:
            ClosedDay.objects.create(
                site=site, date=date(2027, 1, 1) + timedelta(days=ClosedDay.objects.count())
            )


@pytest.mark.parametrize("screen", SCREENS)
def test_the_index_query_count_stays_fixed(
    client, people, riverside, programmes, screen, django_assert_num_queries
):
    client.force_login(people["lead"])
    grow(screen, riverside, programmes, 5)
    with_five = index_queries(client, screen)
    grow(screen, riverside, programmes, 25)

    with django_assert_num_queries(with_five):
        response = client.get(url(screen, "index"))

    assert response.context["paginator"].count == 30


def test_the_tutor_export_query_count_stays_fixed(client, people, riverside, programmes):
    client.force_login(people["lead"])
    grow("tutors", riverside, programmes, 5)
    with CaptureQueriesContext(connection) as five:
        read_csv(client.get(url("tutors", "index"), {"export": "csv"}))
    grow("tutors", riverside, programmes, 25)

    with CaptureQueriesContext(connection) as thirty:
        rows = read_csv(client.get(url("tutors", "index"), {"export": "csv"}))

    assert len(rows) == 31
    assert len(thirty) == len(five)


# --- whatever is posted ---------------------------------------------------------------------------

text = typed_text(max_size=60)
tutor_keys = st.sampled_from(
    [
        "user",
        "site",
        "kind",
        "monthly_cap",
        "is_active",
        "accreditations-TOTAL_FORMS",
        "accreditations-INITIAL_FORMS",
        "accreditations-0-id",
        "accreditations-0-programme",
        "accreditations-0-accredited_on",
        "accreditations-0-expires_on",
        "accreditations-0-DELETE",
        "availability-TOTAL_FORMS",
        "availability-0-weekday",
        "availability-0-starts_at",
        "availability-0-ends_at",
        "time_away-TOTAL_FORMS",
        "time_away-0-first_day",
        "time_away-0-last_day",
    ]
)
forged = st.dictionaries(st.one_of(tutor_keys, text), text, max_size=8)


@given(changes=forged)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_tutor_form_never_fails_and_changes_nothing_it_refuses(client, people, estate, changes):
    tutor = estate["riverside"]["tutors"]
    before = snapshot(tutor)
    client.force_login(people["lead"])
    data = {**existing_tutor_data(tutor), **changes}

    response = client.post(url("tutors", "edit", tutor.pk), data)

    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert snapshot(tutor) == before
    tutor.refresh_from_db()
    assert tutor.site == estate["riverside"]["venues"].site


@pytest.mark.parametrize("forged_id", [":", "abc", None, "999999"])
def test_a_forged_child_row_id_is_refused_not_a_500(client, people, estate, forged_id):
    """modelcluster alone answers a non-numeric or missing child id with a 500."""
    tutor = estate["riverside"]["tutors"]
    before = snapshot(tutor)
    data = existing_tutor_data(tutor)
    if forged_id is None:
        del data["accreditations-0-id"]
    else:
        data["accreditations-0-id"] = forged_id
    client.force_login(people["lead"])

    response = client.post(url("tutors", "edit", tutor.pk), data)

    assert response.status_code == 200
    errors = response.context["form"].formsets["accreditations"].errors
    assert errors[0]["id"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert snapshot(tutor) == before


def test_site_history_shows_a_lead_their_own_sites_edits_only(client, people, estate):
    """Wagtail's Site history showed a Riverside lead the Hillside lead's edits of Hillside's
    tutors and venues (and named the Hillside lead in its filter)."""
    from wagtail.log_actions import log

    for site_key, editor in (("riverside", people["lead"]), ("hillside", people["other_lead"])):
        for screen in SCREENS:
            log(estate[site_key][screen], "wagtail.edit", user=editor)
    client.force_login(people["lead"])

    page = client.get("/admin/reports/site-history/")
    rows = read_csv(client.get("/admin/reports/site-history/", {"export": "csv"}))

    assert page.status_code == 200
    names = {row[1] for row in rows[1:]}
    assert {str(estate["riverside"][screen]) for screen in SCREENS} <= names
    assert not {str(estate["hillside"][screen]) for screen in SCREENS} & names
    assert "Hillside Hall" not in page.text
    assert people["other_lead"].get_full_name() not in page.text


def test_a_system_administrator_sees_every_sites_history(client, people, estate):
    from wagtail.log_actions import log

    for site_key in ("riverside", "hillside"):
        log(estate[site_key]["venues"], "wagtail.edit", user=people["lead"])
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)

    rows = read_csv(client.get("/admin/reports/site-history/", {"export": "csv"}))

    assert {"Hillside Hall", "Riverside Library"} <= {row[1] for row in rows[1:]}


def test_a_lead_opens_a_public_holiday_on_the_closed_days_screen(client, people, riverside):
    from datetime import date

    from courses.sites.closed_days import closure_on

    client.force_login(people["lead"])
    assert closure_on(site=riverside, day=date(2027, 3, 29)).why == "Easter Monday (public holiday)"

    response = client.post(
        url("closed_days", "add"),
        {"site": riverside.pk, "date": "2027-03-29", "kind": "open", "reason": "Open day"},
    )

    assert response.status_code == 302
    assert closure_on(site=riverside, day=date(2027, 3, 29)) is None
    assert (
        "Open: sessions run on this public holiday" in client.get(url("closed_days", "index")).text
    )
