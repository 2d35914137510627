"""Telling a person by their channel: email, text or letter, and the fallback when their chosen
way has no address."""

import logging

import pytest
from django.core import mail

from cms.models import ContactChannel
from courses.common.channels import channel_for, tell
from courses.models import Letter
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "courses/workshops/email/booking_withdrawn.txt"


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"contact_by": "text", "mobile": "+447700900123"}, ContactChannel.TEXT),
        ({"contact_by": "text", "mobile": ""}, ContactChannel.EMAIL),
        ({"contact_by": "letter", "postal_address": "1 High St"}, ContactChannel.LETTER),
        ({"contact_by": "email", "email": None, "mobile": "+447700900123"}, ContactChannel.TEXT),
        ({"contact_by": "email", "email": None}, ""),
    ],
)
def test_the_channel_is_the_persons_choice_if_we_have_that_address(fields, channel):
    person = UserFactory.build(**{"email": "a@example.com", **fields})
    assert channel_for(person) == channel


def test_a_letter_is_queued_for_the_site_with_the_emails_words(workshop):
    run = workshop["run"]
    person = UserFactory(contact_by="letter", postal_address="1 High Street\nLeeds")
    enrolment = run.enrolments.create(trainee=person, status="withdrawn")
    assert (
        tell(
            person,
            subject="You have cancelled your place",
            template=TEMPLATE,
            context={
                "enrolment": enrolment,
                "run": run,
                "trainee": person,
                "gave_up_a_place": True,
            },
            kind="cancellation",
            run=run,
        )
        == ContactChannel.LETTER
    )
    letter = Letter.objects.get()
    assert (letter.person, letter.site, letter.run) == (person, run.site, run)
    assert run.title in letter.body
    assert not mail.outbox


def test_a_person_with_no_address_is_logged_not_lost_silently(caplog):
    person = UserFactory(email=None, verified=False)
    with caplog.at_level(logging.WARNING):
        channel = tell(
            person, subject="s", template=TEMPLATE, context={}, kind="reminder", site=SiteFactory()
        )
    assert channel == ""
    assert "no email, mobile or address" in caplog.text
