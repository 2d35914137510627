"""Adding a person who is not online: each refusal and its message, and what is saved."""

import pytest

from cms.models import ContactChannel
from courses import errors
from courses.models import AccessNeed, PersonRecord
from courses.people.services import PersonDetails, PersonError, person_add
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def details(**changes):
    values = {
        "first_name": "Margaret",
        "last_name": "Hughes",
        "audience": "condition",
        "mobile": "07700 900123",
        "contact_by": ContactChannel.TEXT,
    }
    return PersonDetails(**{**values, **changes})


def test_a_phone_only_person_is_saved_with_their_mobile_in_one_form_and_no_password():
    site, lead = SiteFactory(), UserFactory()
    person = person_add(
        site=site,
        details=details(access_needs=[AccessNeed.HEARING_LOOP], adjustments=" Large print "),
        added_by=lead,
    )
    person.refresh_from_db()
    assert person.email is None
    assert person.mobile == "+447700900123"
    assert person.contact_by == ContactChannel.TEXT
    assert not person.has_usable_password()
    record = PersonRecord.objects.get(person=person)
    assert (record.site, record.added_by) == (site, lead)
    assert record.access_needs == [AccessNeed.HEARING_LOOP]
    assert record.adjustments == "Large print"


def test_two_people_without_email_can_both_be_added():
    site = SiteFactory()
    person_add(site=site, details=details(), added_by=None)
    other = person_add(
        site=site,
        details=details(mobile="", postal_address="1 High Street", contact_by="letter"),
        added_by=None,
    )
    assert other.email is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_name": " "}, errors.PERSON_FIRST_NAME_REQUIRED),
        ({"last_name": ""}, errors.PERSON_LAST_NAME_REQUIRED),
        ({"audience": ""}, errors.PERSON_GROUP_REQUIRED),
        ({"mobile": "", "contact_by": "email"}, errors.PERSON_NO_WAY_TO_REACH),
        ({"mobile": "", "email": "m@example.com"}, errors.PERSON_CHANNEL_NEEDS_MOBILE),
        ({"contact_by": "letter"}, errors.PERSON_CHANNEL_NEEDS_ADDRESS),
        ({"contact_by": "email"}, errors.PERSON_CHANNEL_NEEDS_EMAIL),
        ({"mobile": "0161 496 0000"}, "Enter a UK mobile number"),
    ],
)
def test_refusals_name_what_is_missing_and_save_nothing(changes, message):
    with pytest.raises(PersonError) as refused:
        person_add(site=SiteFactory(), details=details(**changes), added_by=None)
    assert refused.value.message.startswith(message)
    assert not PersonRecord.objects.exists()


def test_an_email_or_mobile_someone_has_is_refused_naming_them():
    UserFactory(email="margaret@example.com", first_name="Margaret", last_name="Hughes")
    with pytest.raises(PersonError) as refused:
        person_add(
            site=SiteFactory(),
            details=details(email="Margaret@Example.com", contact_by="email"),
            added_by=None,
        )
    assert refused.value.message == errors.PERSON_EMAIL_TAKEN.format(
        name="Margaret Hughes", email="margaret@example.com"
    )
    person_add(site=SiteFactory(), details=details(), added_by=None)
    with pytest.raises(PersonError) as refused:
        person_add(site=SiteFactory(), details=details(mobile="+44 7700 900123"), added_by=None)
    assert refused.value.message == errors.PERSON_MOBILE_TAKEN.format(
        name="Margaret Hughes", mobile="+44 7700 900123"
    )


# --- changing a person's details (person_update) ---------------------------------------------


def test_changing_details_keeps_the_same_rules_and_saves_the_needs():
    from courses.people.services import person_update

    site, lead = SiteFactory(), UserFactory()
    person = person_add(site=site, details=details(), added_by=lead)
    other = person_add(
        site=site, details=details(first_name="Tom", mobile="07700 900456"), added_by=lead
    )

    with pytest.raises(PersonError) as refused:
        person_update(person=other, details=details(first_name="Tom"), changed_by=lead)
    assert refused.value.existing == person
    assert "already has the mobile number" in refused.value.message

    person_update(
        person=person,
        details=details(last_name="Jones", access_needs=[AccessNeed.WHEELCHAIR]),
        changed_by=lead,
    )
    person.refresh_from_db()
    assert person.last_name == "Jones"
    assert person.mobile == "+447700900123"  # their own number is not a duplicate of itself
    assert PersonRecord.objects.get(person=person).access_needs == [AccessNeed.WHEELCHAIR]


def test_staff_cannot_change_the_details_of_someone_who_signs_in():
    from courses.people.services import person_update

    online = UserFactory()
    with pytest.raises(PersonError) as refused:
        person_update(person=online, details=details(), changed_by=UserFactory())
    assert refused.value.message == errors.PERSON_EDIT_ONLINE
    online.refresh_from_db()
    assert online.first_name != "Margaret"
