"""Domain rule 1: a curriculum page goes live only after a lay and a clinical sign-off, by two
different people, neither of them an author of the change.

Each approval rule is proven twice: through Wagtail's workflow API (`task.on_action`) and through
the admin's workflow action view, which is what the "Approve" buttons post to.
"""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import (
    PageLogEntry,
    Task,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cms.curricula.signoff import SIGN_OFF_NAME, signoff_workflow_ensure
from cms.curricula.workflows import DESCRIPTION, LAY, REQUEST_CHANGES, CoAuthorSignOffTask
from cms.models import ModulePage, ProgrammePage
from tests.factories import TutorFactory, UserFactory

pytestmark = pytest.mark.django_db

MODULE_TITLE = "Agenda setting: agreeing what we will talk about"


@pytest.fixture
def author(db):
    """The lay tutor who drafted the module and submits it for sign-off."""
    return UserFactory(roles=["lay tutor"])


@pytest.fixture
def lay(db):
    return UserFactory(roles=["lay tutor"])


@pytest.fixture
def clinician(db):
    return UserFactory(roles=["clinical tutor"])


@pytest.fixture
def both(db):
    """Someone in both tutor groups."""
    return UserFactory(roles=["lay tutor", "clinical tutor"])


@pytest.fixture
def workflow(home_page):
    workflow, _ = signoff_workflow_ensure(root_page=home_page)
    return workflow


@pytest.fixture
def module(home_page, workflow, author):
    programme = home_page.add_child(
        instance=ProgrammePage(
            title="Moving on Together",
            track="patient",
            summary="A seven-week course for people living with a long-term condition.",
        )
    )
    programme.save_revision().publish()
    module = programme.add_child(
        instance=ModulePage(
            title=MODULE_TITLE,
            theme="agenda-setting",
            summary="Patient and clinician agree together what a consultation will cover.",
            live=False,
        )
    )
    module.save_revision(user=author)
    return module


@pytest.fixture
def submitted(module, workflow, author):
    """The module submitted for sign-off by its author; returns the workflow state."""
    return workflow.start(module, author)


def task_state_of(page):
    return page.current_workflow_task_state


def action_names(page, user):
    page = ModulePage.objects.get(pk=page.pk)
    return [name for name, _label, _modal in page.current_workflow_task.get_actions(page, user)]


def workflow_action_url(page, action, task_state):
    return reverse("wagtailadmin_pages:workflow_action", args=(page.id, action, task_state.id))


@pytest.fixture(params=["api", "admin"])
def act(request, client):
    """act(user, page, action, comment) -> True if accepted, False if refused; either through
    Wagtail's workflow API or by posting to the admin's workflow action view."""

    def through_api(user, page, action, comment=""):
        page = ModulePage.objects.get(pk=page.pk)
        try:
            page.current_workflow_task.on_action(
                page.current_workflow_task_state, user, action, comment=comment
            )
        except PermissionDenied:
            return False
        return True

    def through_admin(user, page, action, comment=""):
        task_state = task_state_of(ModulePage.objects.get(pk=page.pk))
        client.force_login(user)
        response = client.post(workflow_action_url(page, action, task_state), {"comment": comment})
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard, with a message.
        assert response.status_code == 302
        accepted = response["Location"] == reverse("wagtailadmin_pages:edit", args=(page.id,))
        if not accepted and response["Location"] == reverse("wagtailadmin_home"):
            assert "you do not have permission" in str(list(get_messages(response.wsgi_request)))
        elif not accepted:  # people without admin access are sent to sign in
            assert response["Location"].startswith("/accounts/login/")
        return accepted

    return {"api": through_api, "admin": through_admin}[request.param]


def is_live(page):
    page.refresh_from_db()
    return page.live


# 1. one approval is not enough


def test_one_lay_approval_leaves_the_module_unpublished(act, submitted, module, lay, clinician):
    task_state = task_state_of(module)

    assert act(lay, module, "approve")

    assert not is_live(module)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert task_state.lay_approver == lay
    assert task_state.lay_approved_at is not None
    assert task_state.lay_revision == module.get_latest_revision()
    assert task_state.clinical_approver is None
    submitted.refresh_from_db()
    assert submitted.status == WorkflowState.STATUS_IN_PROGRESS
    # The lay slot is taken: another lay tutor is no longer offered it; a clinician is.
    assert "approve" not in action_names(module, lay)
    assert "approve" not in action_names(module, UserFactory(roles=["lay tutor"]))
    assert "approve" in action_names(module, clinician)


def test_a_partial_sign_off_is_in_the_page_history(client, submitted, module, lay):
    task_state = task_state_of(module)
    module.current_workflow_task.on_action(task_state, lay, "approve", comment="Plain English.")

    entry = PageLogEntry.objects.get(page=module, action=LAY.log_action)
    assert entry.user == lay
    assert entry.message == "Signed off as lay co-author"
    assert entry.comment == "Plain English."
    client.force_login(lay)
    history = client.get(reverse("wagtailadmin_pages:history", args=(module.id,)))
    assert "Signed off as lay co-author" in history.content.decode()


def approve_buttons(client, user, page):
    client.force_login(user)
    html = client.get(reverse("wagtailadmin_pages:edit", args=(page.id,))).content.decode()
    return sorted({" ".join(label.split()) for label in re.findall(r"Approve as [^<]+", html)})


def test_only_the_approval_that_completes_the_sign_off_says_it_publishes(
    client, submitted, module, lay, clinician
):
    assert approve_buttons(client, lay, module) == [
        "Approve as lay co-author",
        "Approve as lay co-author with comment",
    ]

    module.current_workflow_task.on_action(task_state_of(module), lay, "approve")

    assert approve_buttons(client, clinician, module) == [
        "Approve as clinical co-author and Publish",
        "Approve as clinical co-author with comment and Publish",
    ]


# 2. one person cannot give both approvals


def test_one_person_in_both_groups_fills_only_one_slot(act, submitted, module, both, lay):
    assert [
        label for _name, label, _modal in module.current_workflow_task.get_actions(module, both)
    ] == [REQUEST_CHANGES, LAY.approve_label, f"{LAY.approve_label} with comment"]

    assert act(both, module, "approve")
    assert "approve" not in action_names(module, both)
    assert not act(both, module, "approve")

    assert not is_live(module)
    task_state = task_state_of(module)
    assert (task_state.lay_approver, task_state.clinical_approver) == (both, None)
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    # They took the lay slot, so another lay tutor cannot complete it either.
    assert "approve" not in action_names(module, lay)


# 3. the authors of the change cannot approve it


def test_the_requester_is_offered_no_approval_and_a_forged_one_changes_nothing(
    act, submitted, module, author
):
    assert action_names(module, author) == ["reject"]

    assert not act(author, module, "approve")

    task_state = task_state_of(module)
    assert (task_state.lay_approver, task_state.clinical_approver) == (None, None)
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert not is_live(module)


def test_someone_who_edited_during_the_workflow_cannot_approve(act, submitted, module, clinician):
    assert "approve" in action_names(module, clinician)
    ModulePage.objects.get(pk=module.pk).save_revision(user=clinician)

    assert action_names(module, clinician) == ["reject"]
    assert not act(clinician, module, "approve")

    task_state = task_state_of(module)
    assert task_state.clinical_approver is None
    assert not is_live(module)


# 4. a lay and a clinical approval by two other people publish the submitted revision


def test_lay_and_clinical_approvals_by_two_people_publish_the_submitted_revision(
    act, submitted, module, lay, clinician
):
    submitted_revision = task_state_of(module).revision

    assert act(lay, module, "approve")
    assert act(clinician, module, "approve", comment="Clinically sound.")

    module.refresh_from_db()
    assert module.live
    assert module.live_revision_id == submitted_revision.id
    task_state = TaskState.objects.get(workflow_state=submitted).specific
    assert task_state.status == TaskState.STATUS_APPROVED
    assert (task_state.lay_approver, task_state.clinical_approver) == (lay, clinician)
    assert task_state.finished_by == clinician
    assert task_state.comment == "Clinically sound."
    submitted.refresh_from_db()
    assert submitted.status == WorkflowState.STATUS_APPROVED
    assert PageLogEntry.objects.get(page=module, action="wagtail.publish").user == clinician


def test_an_edit_after_an_approval_makes_it_stale(submitted, module, lay, clinician, both):
    """Wagtail publishes the latest revision, so an approval of earlier text must not count."""
    task = module.current_workflow_task
    task.on_action(task_state_of(module), lay, "approve")
    ModulePage.objects.get(pk=module.pk).save_revision(user=both)

    task.on_action(task_state_of(module), clinician, "approve")

    assert not is_live(module)
    assert task_state_of(module).status == TaskState.STATUS_IN_PROGRESS
    assert "approve" in action_names(module, lay)

    task.on_action(task_state_of(module), lay, "approve")

    module.refresh_from_db()
    assert module.live
    assert module.live_revision_id == module.get_latest_revision().id


# 5. requesting changes


def test_a_tutor_requests_changes_with_a_comment(
    act, mailoutbox, submitted, module, clinician, author
):
    task_state = task_state_of(module)

    assert act(clinician, module, "reject", comment="Please add a timing for each activity.")

    submitted.refresh_from_db()
    assert submitted.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not is_live(module)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.finished_by == clinician
    assert task_state.comment == "Please add a timing for each activity."
    # Wagtail tells the author who submitted it.
    assert [message.to for message in mailoutbox] == [[author.email]]


def test_people_outside_the_tutor_groups_get_no_actions(act, submitted, module):
    for roles in (["trainee"], ["programme lead"], ["site administrator"], []):
        user = UserFactory(roles=roles)
        assert action_names(module, user) == []
        assert not act(user, module, "approve")
        assert not act(user, module, "reject")
    assert task_state_of(module).status == TaskState.STATUS_IN_PROGRESS


# 6. publishing goes through the workflow, except for superusers


def edit_form_data(page, **extra):
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "theme": page.theme,
            "format": page.format,
            "overview": "",
            "comments": inline_formset([]),
            **extra,
        }
    )


def test_a_programme_lead_cannot_publish_directly_but_a_superuser_can(client, module):
    lead = UserFactory(roles=["programme lead"])
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert not module.permissions_for_user(lead).can_publish()
    assert module.permissions_for_user(lead).can_submit_for_moderation()
    assert module.permissions_for_user(superuser).can_publish()
    edit_url = reverse("wagtailadmin_pages:edit", args=(module.id,))

    client.force_login(lead)
    response = client.post(edit_url, edit_form_data(module, **{"action-publish": "publish"}))

    # Wagtail quietly saves a draft instead.
    assert response.status_code == 302
    assert not is_live(module)
    assert module.get_latest_revision().user == lead

    client.force_login(superuser)
    response = client.post(edit_url, edit_form_data(module, **{"action-publish": "publish"}))

    assert response.status_code == 302
    assert is_live(module)


def test_the_migration_takes_publishing_from_leads_and_can_give_it_back(module):
    migration = importlib.import_module("cms.migrations.0005_signoff")
    lead = UserFactory(roles=["programme lead"])

    migration.leads_can_publish_again(django_apps, None)
    assert ModulePage.objects.get(pk=module.pk).permissions_for_user(lead).can_publish()

    migration.leads_cannot_publish(django_apps, None)
    lead = type(lead).objects.get(pk=lead.pk)  # permissions are cached on the user
    assert not ModulePage.objects.get(pk=module.pk).permissions_for_user(lead).can_publish()


# 7. the dashboard


def test_a_lay_tutor_sees_the_module_awaiting_review_and_a_trainee_does_not(
    client, submitted, module, lay, clinician, author
):
    # The dashboard lists it for tutors of its programme (tests/cms/curricula/
    # test_signoff_progress.py has the rest); who may approve is the task's rule, below.
    TutorFactory(user=lay, accredited_for=[module.get_parent().specific])
    client.force_login(lay)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert MODULE_TITLE in response.content.decode()
    assert "Review and sign off" in response.content.decode()
    assert LAY.approve_label in str(module.current_workflow_task.get_actions(module, lay))

    trainee = UserFactory(roles=["trainee"])
    client.force_login(trainee)
    response = client.get("/admin/")
    assert MODULE_TITLE not in response.content.decode()
    assert list(TaskState.objects.reviewable_by(trainee)) == []

    # Only people who could still approve are asked to review.
    task_state = task_state_of(module)
    assert list(TaskState.objects.reviewable_by(author)) == []
    assert list(TaskState.objects.reviewable_by(UserFactory(roles=["programme lead"]))) == []
    assert list(TaskState.objects.reviewable_by(clinician)) == [task_state.taskstate_ptr]
    module.current_workflow_task.on_action(task_state, lay, "approve")
    assert list(TaskState.objects.reviewable_by(lay)) == []
    assert list(TaskState.objects.reviewable_by(clinician)) == [task_state.taskstate_ptr]


# 8. setting the workflow up


def test_signoff_workflow_ensure_twice_creates_one_of_each(home_page):
    first, changed = signoff_workflow_ensure(root_page=home_page)
    assert changed
    second, changed = signoff_workflow_ensure(root_page=home_page)
    assert not changed

    assert first == second
    assert Workflow.objects.filter(name=SIGN_OFF_NAME).count() == 1
    assert CoAuthorSignOffTask.objects.filter(name=SIGN_OFF_NAME).count() == 1
    assert WorkflowTask.objects.filter(workflow=first).count() == 1
    assert WorkflowPage.objects.filter(workflow=first).count() == 1
    assert WorkflowPage.objects.get(workflow=first).page_id == home_page.id
    assert [task.specific for task in first.tasks] == list(CoAuthorSignOffTask.objects.all())


def test_the_workflow_covers_both_tracks(home_page, workflow, module):
    professional = home_page.add_child(
        instance=ProgrammePage(title="Working in Partnership", track="professional", summary="x")
    )
    assert module.get_workflow() == workflow
    assert professional.get_workflow() == workflow
    assert Task.objects.get(name=SIGN_OFF_NAME).specific.get_description() == DESCRIPTION


# 3b. the writer of a draft is an author, whoever submits it


@pytest.fixture
def drafted_by_lay(module, lay):
    """A draft written by `lay` after the author's first version (the module never published)."""
    ModulePage.objects.get(pk=module.pk).save_revision(user=lay)
    return module


def test_a_colleague_submitting_someone_elses_draft_unchanged_leaves_its_writer_an_author(
    act, drafted_by_lay, workflow, clinician, lay
):
    """The dodge: a lay tutor saves a draft, a colleague submits it as it is, and the draft's
    writer approves their own words. Everyone who saved a revision since the page was last
    published is an author."""
    colleague = UserFactory(roles=["clinical tutor"])
    workflow.start(ModulePage.objects.get(pk=drafted_by_lay.pk), colleague)

    assert action_names(drafted_by_lay, lay) == ["reject"]
    assert not act(lay, drafted_by_lay, "approve")
    assert action_names(drafted_by_lay, colleague) == ["reject"]  # the requester
    assert "approve" in action_names(drafted_by_lay, clinician)
    assert task_state_of(ModulePage.objects.get(pk=drafted_by_lay.pk)).lay_approver is None


def test_the_author_who_submits_their_own_draft_cannot_approve(act, module, workflow, author):
    workflow.start(ModulePage.objects.get(pk=module.pk), author)

    assert not act(author, module, "approve")


def test_after_publication_only_later_drafts_make_authors(
    submitted, module, workflow, author, lay, clinician
):
    """Once published, the writers of the published text may sign off the next change made by
    someone else."""
    for approver in (lay, clinician):
        page = ModulePage.objects.get(pk=module.pk)
        page.current_workflow_task.on_action(page.current_workflow_task_state, approver, "approve")
    assert is_live(module)
    editor = UserFactory(roles=["clinical tutor"])
    ModulePage.objects.get(pk=module.pk).save_revision(user=editor)
    workflow.start(ModulePage.objects.get(pk=module.pk), editor)

    assert "approve" in action_names(module, author)
    assert action_names(module, editor) == ["reject"]
