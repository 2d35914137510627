"""Emails name the service and every link in them is a whole address that works: allauth's
account emails and Wagtail's sign-off (moderation) emails."""

import re

import pytest
from django.core import mail

from cms.curricula.signoff import signoff_workflow_ensure
from cms.models import ModulePage, ProgrammePage
from cms.services import home_page_ensure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def site_url(settings):
    settings.WAGTAILADMIN_BASE_URL = BASE
    settings.SERVICE_NAME = "Co-training"
    return BASE


def test_the_verification_email_names_the_service_not_the_host(client, home_page, site_url):
    client.post(
        "/accounts/signup/",
        {
            "first_name": "Jean",
            "last_name": "Murray",
            "audience": "condition",
            "email": "jean@example.com",
            "password1": "rivers-and-hills-42",
            "password2": "rivers-and-hills-42",
        },
    )

    (message,) = mail.outbox
    assert message.body.startswith("Hello from Co-training.")
    assert "testserver" not in message.body.replace("http://testserver/accounts/", "")
    assert "Thank you,\nCo-training\nhttp://127.0.0.1:8000/" in message.body
    assert message.subject == "[Co-training] Confirm your email address"
    # allauth builds the link from the request, which the person's browser made: it works.
    link = re.search(r"(http://testserver/accounts/confirm-email/\S+/)", message.body).group(1)
    assert client.get(link).status_code == 200


def test_the_password_reset_email_is_plain_and_names_the_service(client, home_page, site_url):
    UserFactory(email="jean@example.com")

    client.post("/accounts/password/reset/", {"email": "jean@example.com"})

    (message,) = mail.outbox
    assert message.subject == "[Co-training] Reset your password"
    assert "Hello from Co-training." in message.body
    assert "asked to reset the password of your account" in message.body
    assert re.search(r"http://testserver/accounts/password/reset/key/\S+/", message.body)


@pytest.fixture
def submitted_module(site_url):
    """A module submitted for co-author sign-off by a lay tutor, with a system administrator to
    hear of it (Wagtail tells superusers of every submission)."""
    home, _ = home_page_ensure(title="Learning to work in partnership", introduction="Welcome.")
    workflow, _ = signoff_workflow_ensure(root_page=home)
    UserFactory(email="admin@example.com", is_superuser=True, is_staff=True)
    author = UserFactory(email="author@example.com", roles=["lay tutor"])
    programme = home.add_child(
        instance=ProgrammePage(title="Moving on Together", track="patient", summary="A course.")
    )
    programme.save_revision().publish()
    module = programme.add_child(
        instance=ModulePage(
            title="Agenda setting", theme="agenda-setting", summary="Agreeing.", live=False
        )
    )
    module.save_revision(user=author)
    mail.outbox.clear()
    workflow.start(module, author)
    return module, author


def test_sign_off_emails_link_to_the_configured_address(submitted_module):
    module, author = submitted_module

    (submitted,) = [message for message in mail.outbox if message.to == ["admin@example.com"]]
    assert f"{BASE}/admin/pages/{module.pk}/edit/" in submitted.body

    lay = UserFactory(roles=["lay tutor"])
    clinician = UserFactory(roles=["clinical tutor"])
    mail.outbox.clear()
    for approver in (lay, clinician):
        page = ModulePage.objects.get(pk=module.pk)
        page.current_workflow_task.on_action(page.current_workflow_task_state, approver, "approve")

    (approved,) = [
        message
        for message in mail.outbox
        if message.to == ["author@example.com"] and "Signed off and published" in message.subject
    ]
    page = ModulePage.objects.get(pk=module.pk)
    assert page.live
    # "You can view the page here:" uses the page's whole address, from Wagtail's site record,
    # which follows SITE_URL (home_page_ensure) instead of Wagtail's http://localhost.
    assert f"{BASE}{page.url}" in approved.body
    assert "http://localhost" not in approved.body
    for link in re.findall(r"https?://\S+", approved.body + submitted.body):
        assert link.startswith(BASE + "/")
