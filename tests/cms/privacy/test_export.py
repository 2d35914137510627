"""A person's download of everything held about them (cms.privacy.export): every field pointing
at a person accounted for, the account and emails files against the database, the README, dates
in UK time, and nothing of anyone else's."""

from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from django.core.mail import EmailMessage
from django.utils import timezone

from cms.models import Audience, OutgoingEmail
from cms.outbox import OutboxBackend
from cms.privacy import export
from cms.privacy.account import CODE_REMOVED, LINK_REMOVED
from cms.privacy.export import (
    NOT_EXPORTED,
    PERSON_FIELDS,
    DataFile,
    Production,
    export_zip,
    files_for,
    local,
    not_covered,
    person_fields,
)
from cms.roles import Role
from tests.cms.privacy.zip_reading import every_value, read_zip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    person = UserFactory(
        email="jean.murray@example.com",
        first_name="Jean",
        last_name="Murray",
        audience=Audience.CONDITION,
        roles=[Role.TRAINEE.value],
    )
    EmailAddress.objects.create(user=person, email="jean@home.example.com", verified=False)
    return person


def made_now(person):
    from django.utils import timezone

    files = files_for(person)
    return read_zip(export_zip(person, files, Production(made_at=timezone.now())))


def test_every_field_pointing_at_a_person_is_exported_or_said_not_to_be():
    assert not_covered() == []


def test_a_new_field_pointing_at_a_person_is_caught(monkeypatch):
    """What the test above would say of a model nobody told the export about."""
    monkeypatch.delitem(PERSON_FIELDS, "courses.Enrolment.trainee")
    assert not_covered() == ["courses.Enrolment.trainee"]


def test_every_listed_field_exists_or_belongs_to_an_app_not_installed():
    from django.apps import apps

    found = set(person_fields())
    for name in [*PERSON_FIELDS, *NOT_EXPORTED]:
        label = name.split(".")[0]
        installed = {config.label for config in apps.get_app_configs()}
        if "." in name and label in installed:
            assert name in found, name


def test_every_file_the_list_names_is_in_the_download(person):
    from django.apps import apps

    names = {data_file.name for data_file in files_for(person)}
    installed = {config.label for config in apps.get_app_configs()}
    expected = {
        file_name
        for field_name, file_name in PERSON_FIELDS.items()
        if field_name.split(".")[0] in installed
    }
    assert expected <= names


def test_the_account_file_is_the_person_as_the_database_holds_them(person):
    person.last_login = datetime(2026, 7, 1, 9, 15, tzinfo=UTC)
    person.save()

    account = made_now(person)["account.json"]

    assert account["first_name"] == "Jean"
    assert account["last_name"] == "Murray"
    assert account["name_on_certificates"] == "Jean Murray"
    assert account["email"] == "jean.murray@example.com"
    assert account["email_addresses"] == [
        {"email": "jean.murray@example.com", "verified": True, "primary": True},
        {"email": "jean@home.example.com", "verified": False, "primary": False},
    ]
    assert account["who_you_are"] == "I live with a long-term condition"
    assert account["roles"] == ["trainee"]
    assert account["system_administrator"] is False
    assert account["sign_in_methods"]["password"] is True
    # UK time, ISO 8601, with the offset: 09:15 UTC in July is 10:15 British Summer Time.
    assert account["last_sign_in"] == "2026-07-01T10:15:00+01:00"
    assert account["date_joined"] == local(person.date_joined)
    assert "password" not in {key for key in account if key != "sign_in_methods"}
    assert person.password not in every_value({"a": account})


def test_dates_are_uk_time_in_iso_format():
    assert local(datetime(2026, 11, 18, 10, 30, tzinfo=UTC)) == "2026-11-18T10:30:00+00:00"
    assert local(datetime(2027, 6, 1, 23, 30, tzinfo=UTC)) == "2027-06-02T00:30:00+01:00"
    assert local(datetime(2027, 6, 1, 23, 30, tzinfo=UTC).date()) == "2027-06-01"


def send(to, subject="Your place is booked", body="See you on Tuesday."):
    OutboxBackend().send_messages([EmailMessage(subject, body, "site@example.com", to)])


def test_the_emails_file_is_the_outbox_to_any_of_their_addresses_and_no_one_elses(person):
    send(["jean.murray@example.com"])
    send(["Jean@Home.example.com"], subject="Reminder: session tomorrow")
    send(["someone.else@example.com"], subject="Not hers", body="Private to someone else.")
    send(["xjean.murray@example.com"], subject="Nearly her address", body="Still not hers.")

    rows = made_now(person)["messages_to_you.csv"]

    assert [(row["Subject"], row["Status"], row["Text"]) for row in rows] == [
        ("Your place is booked", "Waiting to be sent", "See you on Tuesday."),
        ("Reminder: session tomorrow", "Waiting to be sent", "See you on Tuesday."),
    ]
    stored = OutgoingEmail.objects.filter(subject="Your place is booked").get()
    assert rows[0]["Written"] == local(stored.created_at)


def test_sign_in_links_and_codes_are_never_copied(person):
    send(
        ["jean.murray@example.com"],
        subject="Reset your password",
        body="Choose a new one: http://testserver/accounts/password/reset/key/1-abc-123/ thanks",
    )
    send(["jean.murray@example.com"], subject="Your sign-in code", body="Your code is QX7-P2L")

    files = made_now(person)
    texts = [row["Text"] for row in files["messages_to_you.csv"]]

    assert texts == [f"Choose a new one: {LINK_REMOVED} thanks", CODE_REMOVED]
    assert "1-abc-123" not in every_value(files)
    assert "QX7-P2L" not in every_value(files)


def test_the_readme_says_what_each_file_is_when_it_was_made_and_whom_to_contact(person):
    files = made_now(person)
    readme = files["README.txt"]

    assert "For: Jean Murray <jean.murray@example.com>" in readme
    assert f"Made: {local(timezone.now())} (UK time)" in readme
    for data_file in files_for(person):
        assert f"{data_file.name}" in readme
        assert data_file.description in readme
    assert set(files) == {"README.txt", *(data_file.name for data_file in files_for(person))}
    assert "/contact-us/" in readme


def test_a_spreadsheet_cell_never_runs_as_a_formula(person, monkeypatch):
    monkeypatch.setitem(
        export._exporters,
        "typed",
        lambda person: [DataFile("typed.csv", "text typed", ("Text",), (("=HYPERLINK(1)",),))],
    )
    assert made_now(person)["typed.csv"] == [{"Text": "'=HYPERLINK(1)"}]


def test_two_exporters_writing_one_file_is_a_mistake_caught(person, monkeypatch):
    monkeypatch.setitem(
        export._exporters, "again", lambda person: [DataFile("account.json", "again", content={})]
    )
    with pytest.raises(ValueError, match="account.json"):
        files_for(person)


def test_another_persons_account_never_appears(person):
    other = UserFactory(email="alan.reid@example.com", first_name="Alan", last_name="Reid")
    send([other.email], subject="For Alan only")

    text = every_value(made_now(person))

    assert "alan.reid@example.com" not in text
    assert "Alan" not in text
    assert "For Alan only" not in text
