"""Emails of the co-production sign-off: who is told what, at each step.

- submitted: the tutors of the programme who may sign it off (never its authors);
- one sign-off given: the authors and the tutors who may give the other one;
- both given (published): the authors and both co-authors who signed;
- changes requested: the authors, with the reviewer's comment.

Each says, in the words of `sign_off_wording`, what is still missing, and links (absolute, from
WAGTAILADMIN_BASE_URL, which the settings take from SITE_URL) to the change's review in the admin.
They are sent through the outbox, in the transaction of the change they report, so they go after
it commits and are retried if the mail server is down. For this workflow they replace Wagtail's
own "approved" and "rejected" emails (see `install`), which tell only the requester and say
nothing of what is missing.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import Page
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected

from cms.curricula.people import authors_of, reviewers_for
from cms.curricula.progress import progress_of, sign_off_wording
from cms.curricula.workflows import CoAuthorSignOffTask, CoAuthorSignOffTaskState

__all__ = [
    "authors_of",
    "changes_requested_send",
    "install",
    "published_send",
    "review_requested_send",
    "sign_off_given_send",
    "title_of",
]

TEMPLATES = "cms/curricula/emails/"


def base_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def review_url(obj) -> str:
    """The change's page in the admin, where it is reviewed and signed off."""
    return base_url() + (AdminURLFinder().get_edit_url(obj) or "/admin/")


def public_url(obj) -> str:
    """The published page, on the site's own address (never Wagtail's site record's host)."""
    if not isinstance(obj, Page):
        return ""
    parts = obj.get_url_parts()
    return base_url() + parts[2] if parts and parts[2] else ""


def title_of(obj) -> str:
    """The change's title as its latest revision has it (a draft may have renamed it)."""
    latest = obj.get_latest_revision() if hasattr(obj, "get_latest_revision") else None
    return latest.object_str if latest is not None and latest.object_str else str(obj)


def _send(recipients, *, subject: str, template: str, task_state, **context) -> list[str]:
    """One plain-text email per recipient, through the outbox. Returns the addresses told."""
    obj = task_state.workflow_state.content_object
    progress = progress_of(task_state)
    context = {
        "service_name": settings.SERVICE_NAME,
        "title": title_of(obj),
        "status": sign_off_wording(progress) if progress is not None else "",
        "review_url": review_url(obj),
        "public_url": public_url(obj),
        **context,
    }
    sent = []
    seen = set()
    for user in recipients:
        if user is None or not user.email or user.pk in seen:
            continue
        seen.add(user.pk)
        body = render_to_string(TEMPLATES + template, {**context, "recipient": user})
        EmailMessage(
            subject=f"[{settings.SERVICE_NAME}] {subject.format(title=context['title'])}",
            body=body,
            to=[user.email],
        ).send()
        sent.append(user.email)
    return sent


def _name(user) -> str:
    return user.get_full_name() or user.email


def review_requested_send(task_state) -> list[str]:
    """A change was submitted: tell the tutors who may sign it off."""
    requested_by = task_state.workflow_state.requested_by
    return _send(
        reviewers_for(task_state),
        subject="Your sign-off is needed: {title}",
        template="review_requested.txt",
        task_state=task_state,
        requested_by=_name(requested_by) if requested_by else "A co-author",
    )


def sign_off_given_send(task_state, *, approver) -> list[str]:
    """One sign-off given, the other still missing: tell the authors and those who may give it."""
    people = [
        user for user in [*authors_of(task_state), *reviewers_for(task_state)] if user != approver
    ]
    return _send(
        people,
        subject="One sign-off given, one still needed: {title}",
        template="sign_off_given.txt",
        task_state=task_state,
        approver=_name(approver),
    )


def published_send(task_state, *, approver, authors) -> list[str]:
    """Both sign-offs given and the change published: tell everyone involved. `authors`: read
    before publishing (authors_of), since a published page has no unpublished revisions left."""
    approvers = [task_state.lay_approver, task_state.clinical_approver]
    return _send(
        [*authors, *approvers],
        subject="Signed off and published: {title}",
        template="published.txt",
        task_state=task_state,
        approver=_name(approver),
    )


def changes_requested_send(task_state, *, reviewer, comment: str) -> list[str]:
    """A reviewer asked for changes: tell the authors, with the comment."""
    return _send(
        [user for user in authors_of(task_state) if user != reviewer],
        subject="Changes requested: {title}",
        template="changes_requested.txt",
        task_state=task_state,
        reviewer=_name(reviewer),
        comment=comment.strip(),
    )


# --- wiring --------------------------------------------------------------------------------------


def _on_task_submitted(sender, instance, **kwargs):
    review_requested_send(instance)


def _is_sign_off(workflow_state) -> bool:
    return workflow_state.workflow.workflow_tasks.filter(
        task__content_type=ContentType.objects.get_for_model(CoAuthorSignOffTask)
    ).exists()


def _wagtail_unless_sign_off(name):
    def receiver(sender, instance, **kwargs):
        if _is_sign_off(instance):
            return  # ours have told everyone involved, with what is missing
        from wagtail.admin import signal_handlers

        getattr(signal_handlers, name)(sender=sender, instance=instance, **kwargs)

    return receiver


_approved = _wagtail_unless_sign_off("workflow_approval_email_notifier")
_rejected = _wagtail_unless_sign_off("workflow_rejection_email_notifier")


def install() -> None:
    """Connect the sign-off's emails (from CmsConfig.ready).

    Wagtail connects its "approved" and "rejected" emails in its own ready(), which runs after
    ours (cms comes first in INSTALLED_APPS), under fixed dispatch_uids. A receiver connected
    with the same dispatch_uid and sender is connected once only, so connecting ours first under
    those uids puts them in Wagtail's place: they send Wagtail's emails for any other workflow,
    and nothing for the sign-off, whose own emails above say more to more people."""
    from wagtail.models import WorkflowState

    task_submitted.connect(
        _on_task_submitted,
        sender=CoAuthorSignOffTaskState,
        dispatch_uid="cms_sign_off_review_requested",
    )
    workflow_approved.connect(
        _approved, sender=WorkflowState, dispatch_uid="workflow_state_approved_email_notification"
    )
    workflow_rejected.connect(
        _rejected, sender=WorkflowState, dispatch_uid="workflow_state_rejected_email_notification"
    )
