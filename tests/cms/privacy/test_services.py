"""Recording every copy made of a person's data; a copy for someone else needs the written
request's reference and date, and is refused without them, recording nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms.models import PersonalDataExport
from cms.privacy.export import local
from cms.privacy.services import (
    RECEIVED_IN_THE_FUTURE,
    RECEIVED_ON_REQUIRED,
    REFERENCE_REQUIRED,
    personal_data_export,
)
from tests.cms.privacy.zip_reading import read_zip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return UserFactory(email="jean.murray@example.com", first_name="Jean", last_name="Murray")


@pytest.fixture
def staff(db):
    return UserFactory(email="admin@example.com", first_name="Sam", last_name="Okafor")


def refused(**kwargs) -> dict:
    with pytest.raises(ValidationError) as refusal:
        personal_data_export(**kwargs)
    assert not PersonalDataExport.objects.exists()
    return refusal.value.message_dict


def received_days_ago(days):
    """A date the written request came in, counted back from today (the test's clock)."""
    return timezone.localdate() - timedelta(days=days)


def test_a_copy_for_a_written_request_is_recorded_with_its_reference(person, staff):
    received = received_days_ago(16)
    today = timezone.localdate()
    download = personal_data_export(
        person=person,
        produced_by=staff,
        reference="  SAR-2026-014 ",
        request_received_on=received,
    )

    record = PersonalDataExport.objects.get()
    assert (record.person, record.produced_by) == (person, staff)
    assert (record.reference, record.request_received_on) == ("SAR-2026-014", received)
    assert download.filename == f"personal-data-sar-2026-014-{today.isoformat()}.zip"
    files = read_zip(download.content)
    assert files["data_exports.csv"] == [
        {
            "Made": local(timezone.now()),
            "Why": "For your written request",
            "Request reference": "SAR-2026-014",
            "Request received on": received.isoformat(),
            "Made by": "Sam Okafor",
        }
    ]
    assert (
        f"Made for your written request SAR-2026-014, received on {received.isoformat()}, by "
        "Sam Okafor." in files["README.txt"]
    )


def test_a_copy_for_someone_else_needs_the_reference_and_date(person, staff):
    assert refused(person=person, produced_by=staff, reference=" ") == {
        "reference": [REFERENCE_REQUIRED],
        "request_received_on": [RECEIVED_ON_REQUIRED],
    }


def test_a_request_cannot_have_been_received_in_the_future(person, staff):
    assert refused(
        person=person,
        produced_by=staff,
        reference="SAR-1",
        request_received_on=timezone.localdate() + timedelta(days=1),
    ) == {"request_received_on": [RECEIVED_IN_THE_FUTURE]}


def test_a_reference_on_two_lines_is_refused(person, staff):
    errors = refused(
        person=person,
        produced_by=staff,
        reference="SAR-1\x00",
        request_received_on=received_days_ago(16),
    )
    assert list(errors) == ["reference"]


def test_their_own_copy_needs_no_reference(person):
    personal_data_export(person=person, produced_by=person)
    assert PersonalDataExport.objects.get().reference == ""
