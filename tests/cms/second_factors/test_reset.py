"""A system administrator resets a person's second factors: confirmed, with a reason, recorded,
the person emailed; a lead is then made to set up again."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from cms.models import OutgoingEmail, SecondFactorReset
from cms.second_factors.forms import REASON_REQUIRED
from cms.second_factors.services import (
    NOT_YOUR_OWN,
    NOTHING_TO_RESET,
    ONLY_SYSTEM_ADMINISTRATORS,
    second_factor_reset,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "Lost their phone; called back on the number we hold, 3 March."


@pytest.fixture
def boss(db):
    return UserFactory(email="boss@example.com", is_superuser=True, is_staff=True)


def reset_url(person):
    return f"/admin/second-factors/reset/{person.pk}/"


def test_the_reset_removes_every_factor_records_it_and_emails_the_person(boss, people):
    lead = people["lead"]

    record = second_factor_reset(person=lead, reset_by=boss, reason=REASON)

    assert not Authenticator.objects.filter(user=lead).exists()
    assert SecondFactorReset.objects.get() == record
    assert (record.person, record.person_email) == (lead, "lead@example.com")
    assert (record.reset_by, record.reset_by_email) == (boss, "boss@example.com")
    assert record.removed == "authenticator app, recovery codes"
    assert record.reason == REASON
    [message] = mail.outbox
    assert message.to == ["lead@example.com"]
    assert message.subject.endswith("Your two-step sign-in was reset")
    assert REASON in message.body
    assert "http://testserver/accounts/2fa/" in message.body


def test_the_email_goes_through_the_outbox(boss, people, settings):
    settings.MAILERS = {
        **settings.MAILERS,
        "default": {"BACKEND": "cms.outbox.OutboxBackend"},
    }

    second_factor_reset(person=people["lead"], reset_by=boss, reason=REASON)

    assert OutgoingEmail.objects.get().to == "lead@example.com"


def test_only_system_administrators_may_reset(people):
    with pytest.raises(PermissionDenied, match=ONLY_SYSTEM_ADMINISTRATORS):
        second_factor_reset(person=people["lead"], reset_by=people["site_admin"], reason=REASON)

    assert Authenticator.objects.filter(user=people["lead"]).exists()
    assert not SecondFactorReset.objects.exists()


def test_nothing_to_reset_is_said_and_nothing_recorded(boss, people):
    with pytest.raises(ValidationError, match=NOTHING_TO_RESET):
        second_factor_reset(person=people["trainee"], reset_by=boss, reason=REASON)

    assert not SecondFactorReset.objects.exists()
    assert mail.outbox == []


def test_a_system_administrator_cannot_reset_their_own(boss):
    with pytest.raises(ValidationError, match=NOT_YOUR_OWN):
        second_factor_reset(person=boss, reset_by=boss, reason=REASON)


def test_the_admin_page_asks_for_confirmation_and_a_reason(client, boss, people):
    client.force_login(boss)
    lead = people["lead"]

    page = client.get(reset_url(lead))
    refused = client.post(reset_url(lead), {"reason": "   "})

    assert page.status_code == 200
    assert "Yes, reset their two-step sign-in" in page.text
    assert "authenticator app, recovery codes" in page.text
    assert refused.status_code == 400
    assert escape(REASON_REQUIRED) in refused.text
    assert Authenticator.objects.filter(user=lead).exists()


def test_after_the_reset_the_lead_is_made_to_set_up_again(client, boss, people):
    client.force_login(boss)
    lead = people["lead"]

    done = client.post(reset_url(lead), {"reason": REASON})

    assert done["Location"] == "/admin/second_factor_resets/"
    client.force_login(lead)
    assert client.get("/sites/")["Location"] == "/accounts/2fa/"


def test_system_administrators_read_the_record(client, boss, people):
    second_factor_reset(person=people["lead"], reset_by=boss, reason=REASON)
    client.force_login(boss)

    listing = client.get("/admin/second_factor_resets/")

    assert listing.status_code == 200
    assert "lead@example.com" in listing.text
    assert REASON in listing.text


def test_the_users_list_offers_the_reset_to_system_administrators(client, boss, people):
    client.force_login(boss)

    listing = client.get("/admin/users/")

    assert reset_url(people["lead"]) in listing.text
    assert reset_url(boss) not in listing.text


def test_an_unknown_person_is_not_found(client, boss):
    client.force_login(boss)

    assert client.get("/admin/second-factors/reset/999999/").status_code == 404
