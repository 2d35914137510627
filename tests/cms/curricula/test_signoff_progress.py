"""Sign-off people can follow: who is emailed at each step and what it says, the one wording of
what is still missing (status panel, dashboard, emails, confirmation), and a tutor's dashboard.
"""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site as WagtailSite

from cms.curricula.progress import Signature, SignOffProgress, sign_off_wording
from cms.curricula.signoff import signoff_workflow_ensure
from cms.models import ModulePage
from courses.models import TutorKind
from tests.factories import SiteFactory, TutorFactory, UserFactory, programme_page

pytestmark = pytest.mark.django_db

TITLE = "Agenda setting: agreeing what we will talk about"
ON_THE_DAY = re.compile(r"on \d{1,2} [A-Z][a-z]+ \d{4}")


@pytest.fixture
def programme(home_page):
    signoff_workflow_ensure(root_page=home_page)
    page = programme_page()
    page.save_revision().publish()
    return page


@pytest.fixture
def other_programme(home_page):
    page = programme_page(title="Working in Partnership", track="professional")
    page.save_revision().publish()
    return page


def tutor(kind, programme, first, last):
    user = UserFactory(first_name=first, last_name=last)
    TutorFactory(user=user, kind=kind, site=SiteFactory(), accredited_for=[programme])
    return user


@pytest.fixture
def people(programme, other_programme):
    """Alan (lay) writes the change; Lena (lay) and Fiona (clinical) of the programme may sign
    it; Olga (clinical) teaches another programme only."""
    return {
        "author": tutor(TutorKind.LAY, programme, "Alan", "Author"),
        "lay": tutor(TutorKind.LAY, programme, "Lena", "Lay"),
        "clinical": tutor(TutorKind.CLINICAL, programme, "Fiona", "MacLeod"),
        "elsewhere": tutor(TutorKind.CLINICAL, other_programme, "Olga", "Other"),
    }


@pytest.fixture
def module(programme, people):
    module = programme.add_child(
        instance=ModulePage(
            title=TITLE,
            theme="agenda-setting",
            summary="Patient and clinician agree together what a consultation will cover.",
            live=False,
        )
    )
    module.save_revision(user=people["author"])
    return module


def submit(module, user):
    from wagtail.models import Workflow

    return Workflow.objects.get(name="Co-production sign-off").start(module, user)


def fresh(module):
    return ModulePage.objects.get(pk=module.pk)


def approve(client, module, user, comment=""):
    page = fresh(module)
    task_state = page.current_workflow_task_state
    client.force_login(user)
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    response = client.post(url, {"comment": comment})
    assert response.status_code == 302
    return response


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def message_to(user):
    [message] = [message for message in mail.outbox if message.to == [user.email]]
    return message


# --- the wording -------------------------------------------------------------------------------


def test_the_wording_says_what_is_missing_at_each_step():
    fiona = Signature("Fiona MacLeod", datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    alan = Signature("Alan Lay", datetime(2026, 12, 8, 23, 30, tzinfo=UTC))
    assert (
        sign_off_wording(SignOffProgress(given={}))
        == "Waiting for a lay tutor's and a clinical tutor's sign-off"
    )
    assert sign_off_wording(SignOffProgress(given={"clinical": fiona})) == (
        "Waiting for a lay tutor's sign-off; "
        "clinical sign-off given by Fiona MacLeod on 7 December 2026"
    )
    assert sign_off_wording(SignOffProgress(given={"lay": alan})) == (
        "Waiting for a clinical tutor's sign-off; lay sign-off given by Alan Lay on 8 December 2026"
    )
    assert sign_off_wording(
        SignOffProgress(given={"lay": alan, "clinical": fiona}, published=True)
    ) == (
        "Published: lay sign-off given by Alan Lay on 8 December 2026 and "
        "clinical sign-off given by Fiona MacLeod on 7 December 2026"
    )
    assert sign_off_wording(SignOffProgress(given={}, changes_requested=True)) == (
        "Changes requested: both sign-offs are needed again once it is resubmitted"
    )


def test_the_date_is_the_local_day():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    late = Signature("Fiona MacLeod", datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert "on 1 July 2026" in sign_off_wording(SignOffProgress(given={"clinical": late}))


# --- who is emailed, and what it says ------------------------------------------------------------


def test_submitting_emails_the_programmes_reviewers_but_not_the_author_or_other_programmes(
    module, people
):
    mail.outbox.clear()
    submit(module, people["author"])
    assert recipients() == sorted([people["lay"].email, people["clinical"].email])
    message = message_to(people["clinical"])
    assert message.subject.endswith(f"Your sign-off is needed: {TITLE}")
    assert "Alan Author has asked for sign-off" in message.body
    assert "Waiting for a lay tutor's and a clinical tutor's sign-off" in message.body
    assert f"http://testserver/admin/pages/{module.pk}/edit/" in message.body
    assert "localhost" not in message.body


def test_submitting_someone_elses_draft_leaves_out_its_writer_too(module, people):
    """A colleague who submits the draft is an author, and so is whoever wrote it."""
    colleague = tutor(TutorKind.CLINICAL, module.get_parent(), "Cara", "Colleague")
    mail.outbox.clear()
    submit(module, colleague)
    assert recipients() == sorted([people["lay"].email, people["clinical"].email])


def test_the_first_sign_off_tells_the_author_and_who_can_give_the_other(
    client, module, people, django_capture_on_commit_callbacks
):
    submit(module, people["author"])
    second_clinician = tutor(TutorKind.CLINICAL, module.get_parent(), "Cal", "Second")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(client, module, people["clinical"])

    # Lena can still give the lay sign-off; the second clinician cannot (Fiona holds it).
    assert recipients() == sorted([people["author"].email, people["lay"].email])
    assert second_clinician.email not in recipients()
    body = message_to(people["author"]).body
    assert "Fiona MacLeod has signed off the change" in body
    assert "It is not published yet." in body
    assert re.search(
        r"Waiting for a lay tutor's sign-off; clinical sign-off given by Fiona MacLeod "
        + ON_THE_DAY.pattern,
        body,
    )
    assert f"http://testserver/admin/pages/{module.pk}/edit/" in body

    [confirmation] = [str(m) for m in get_messages(response.wsgi_request)]
    assert confirmation.startswith(f"Your sign-off of “{TITLE}” is saved. It is not published yet.")
    assert "Waiting for a lay tutor's sign-off; clinical sign-off given by Fiona MacLeod" in (
        confirmation
    )


def test_the_second_sign_off_publishes_and_tells_everyone_involved(
    client, module, people, django_capture_on_commit_callbacks
):
    submit(module, people["author"])
    approve(client, module, people["clinical"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(client, module, people["lay"])

    assert fresh(module).live
    assert recipients() == sorted(
        [people["author"].email, people["clinical"].email, people["lay"].email]
    )
    body = message_to(people["clinical"]).body
    assert "has both sign-offs and is now published" in body
    assert "Published: lay sign-off given by Lena Lay" in body
    assert "clinical sign-off given by Fiona MacLeod" in body
    assert f"http://testserver{fresh(module).url}" in body
    assert "localhost" not in body
    # Wagtail's own "approved" email is not sent as well: ours said it.
    assert not [m for m in mail.outbox if "has been approved" in m.body]

    [confirmation] = [str(m) for m in get_messages(response.wsgi_request)]
    assert confirmation == (
        f"“{TITLE}” has both sign-offs and is now published. Everyone involved has been emailed."
    )


def test_asking_for_changes_tells_the_author_with_the_comment(
    client, module, people, django_capture_on_commit_callbacks
):
    submit(module, people["author"])
    mail.outbox.clear()
    page = fresh(module)
    client.force_login(people["lay"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "wagtailadmin_pages:workflow_action",
                args=(page.pk, "reject", page.current_workflow_task_state.pk),
            ),
            {"comment": "Please say who leads the first activity."},
        )
    assert response.status_code == 302
    assert recipients() == [people["author"].email]
    body = message_to(people["author"]).body
    assert "Lena Lay has asked for changes" in body
    assert 'Their comment: "Please say who leads the first activity."' in body
    assert f"http://testserver/admin/pages/{module.pk}/edit/" in body
    [confirmation] = [str(m) for m in get_messages(response.wsgi_request)]
    assert confirmation == f"You asked for changes to “{TITLE}”. Its authors have been emailed."


def test_wagtails_own_approved_email_links_to_the_site_url_not_its_site_record(home_page, settings):
    """Wagtail's page.full_url comes from its site record (localhost:80 as installed); the link
    in its email comes from WAGTAILADMIN_BASE_URL (SITE_URL) instead."""
    from django.template.loader import render_to_string
    from wagtail.models import Workflow

    WagtailSite.objects.update(hostname="localhost", port=80)
    settings.WAGTAILADMIN_BASE_URL = "https://training.example.org"
    page = programme_page()
    page.save_revision().publish()
    body = render_to_string(
        "wagtailadmin/notifications/workflow_state_approved.txt",
        {
            "page": page,
            "object": page,
            "workflow": Workflow(name="Another workflow"),
            "user": UserFactory(),
        },
    )
    assert "https://training.example.org/moving-on-together/" in body
    assert "localhost" not in body


# --- the status in the admin -----------------------------------------------------------------------


def test_the_editor_status_panel_says_what_is_missing(client, module, people):
    submit(module, people["author"])
    approve(client, module, people["clinical"])
    client.force_login(people["author"])
    content = client.get(reverse("wagtailadmin_pages:edit", args=[module.pk])).content.decode()
    assert re.search(
        r"data-sign-off-status>Waiting for a lay tutor&#x27;s sign-off; clinical sign-off given by "
        r"Fiona MacLeod " + ON_THE_DAY.pattern,
        content,
    )


# --- the dashboard -------------------------------------------------------------------------------


def dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_reviewer_sees_what_awaits_their_sign_off_with_a_link_to_review(client, module, people):
    submit(module, people["author"])
    content = dashboard(client, people["lay"])
    assert "Waiting for your sign-off" in content
    assert TITLE in content
    assert "Waiting for a lay tutor&#x27;s and a clinical tutor&#x27;s sign-off" in content
    assert f'href="/admin/pages/{module.pk}/edit/"' in content
    # and a button that signs off in the slot this tutor may fill, through Wagtail's action view
    task_state = fresh(module).current_workflow_task_state
    action = reverse(
        "wagtailadmin_pages:workflow_action", args=(module.pk, "approve", task_state.pk)
    )
    assert f'action="{action}"' in content
    assert "Approve as lay co-author" in content
    assert "How co-authoring works here" in content
    assert 'href="/teach/"' in content
    # Wagtail's site summary ("58 Pages") and its own moderation panels are gone for a tutor.
    assert not re.search(r"\d+\s+(Pages|Images|Documents)\s+<span", content)
    assert "Awaiting your review" not in content


def test_a_tutor_of_another_programme_and_the_author_see_nothing_to_sign(client, module, people):
    submit(module, people["author"])
    assert "Nothing is waiting for your sign-off" in dashboard(client, people["elsewhere"])
    content = dashboard(client, people["author"])
    assert "Nothing is waiting for your sign-off" in content
    # The author sees it among their own changes, with where it stands.
    assert "Your changes in progress" in content and TITLE in content
    assert "Waiting for a lay tutor&#x27;s and a clinical tutor&#x27;s sign-off" in content


def test_a_draft_not_submitted_says_so(client, module, people):
    assert "Draft: not yet submitted for sign-off" in dashboard(client, people["author"])


def test_a_lead_keeps_wagtails_site_summary(client, module, people):
    client.force_login(UserFactory(roles=["programme lead"], is_superuser=True))
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert re.search(r"\d+\s+Pages\s+<span", content)
    assert "Waiting for your sign-off" not in content


def test_a_trainee_gets_no_dashboard(client, module, people):
    client.force_login(UserFactory(roles=["trainee"]))
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302


def test_the_dashboards_query_count_does_not_grow_with_changes(
    client, programme, people, django_assert_num_queries
):
    def add_module(number):
        page = programme.add_child(
            instance=ModulePage(
                title=f"Module {number}", theme="agenda-setting", summary="A module.", live=False
            )
        )
        page.save_revision(user=people["author"])
        submit(page, people["author"])
        return page

    add_module(1)
    client.force_login(people["lay"])
    client.get(reverse("wagtailadmin_home"))  # warm caches (content types, site root paths)
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("wagtailadmin_home"))
    assert response.content.decode().count("Review and sign off") == 1
    for number in range(2, 6):
        add_module(number)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("wagtailadmin_home"))
    assert response.content.decode().count("Review and sign off") == 5


def test_everyone_who_wrote_the_change_is_told_when_it_is_published(client, module, people):
    """A colleague submits Alan's draft: both wrote the change, and both hear it is published
    (read before publishing, when the page still has their unpublished revisions)."""
    colleague = tutor(TutorKind.CLINICAL, module.get_parent(), "Cara", "Colleague")
    submit(module, colleague)
    approve(client, module, people["clinical"])
    mail.outbox.clear()
    approve(client, module, people["lay"])
    assert fresh(module).live
    assert recipients() == sorted(
        [people["author"].email, colleague.email, people["clinical"].email, people["lay"].email]
    )


def test_the_authors_dashboard_follows_each_sign_off(client, module, people):
    submit(module, people["author"])
    approve(client, module, people["clinical"])
    content = dashboard(client, people["author"])
    assert re.search(
        r"Waiting for a lay tutor&#x27;s sign-off; clinical sign-off given by Fiona MacLeod "
        + ON_THE_DAY.pattern,
        content,
    )
    approve(client, module, people["lay"])
    assert TITLE not in dashboard(client, people["author"])
