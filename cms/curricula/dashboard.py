"""A tutor's Wagtail dashboard: what awaits their sign-off, their own changes in progress, and how
co-authoring works here. Each panel's selector runs a fixed number of queries, however many
pages, tutors and sign-offs there are. Delivery adds its own panel (next sessions) from
courses/wagtail_hooks.py.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.ui.components import Component
from wagtail.models import Page, WorkflowState

from cms.curricula.programmes import under_programmes_tutored_by
from cms.curricula.progress import progress_for_states, sign_off_wording
from cms.curricula.workflows import SLOTS, CoAuthorSignOffTaskState, is_tutor

__all__ = [
    "REPLACED_FOR_TUTORS",
    "CoAuthoringHelpPanel",
    "DraftsInProgressPanel",
    "SignOffAwaitingPanel",
    "awaiting_sign_off_for",
    "drafts_in_progress_for",
    "tutor_panels_construct",
    "tutor_summary_items_construct",
]

DRAFTS_SHOWN = 10
NOT_SUBMITTED = "Draft: not yet submitted for sign-off"


@dataclass(frozen=True)
class ChangeRow:
    """One change on the dashboard: what it is, where it stands, and where to open it."""

    title: str
    status: str
    url: str
    approve_url: str = ""
    approve_label: str = ""


def _edit_urls(pairs) -> dict:
    """{(content type id, object id): admin edit URL} for (content type id, object id) pairs:
    pages by their id alone, other models one query per model."""
    page_type = ContentType.objects.get_for_model(Page)
    urls = {}
    others: dict[int, list[str]] = {}
    for content_type_id, object_id in pairs:
        if content_type_id == page_type.pk:
            urls[(content_type_id, object_id)] = reverse(
                "wagtailadmin_pages:edit", args=[int(object_id)]
            )
        else:
            others.setdefault(content_type_id, []).append(object_id)
    finder = AdminURLFinder()
    for content_type_id, object_ids in others.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        for pk, obj in model.objects.in_bulk(object_ids).items():
            urls[(content_type_id, str(pk))] = finder.get_edit_url(obj) or ""
    return urls


def awaiting_sign_off_for(user) -> list[ChangeRow]:
    """Changes `user` may sign off now, in their programmes, oldest first: three queries."""
    if not is_tutor(user):
        return []
    states = CoAuthorSignOffTaskState.objects.awaiting_sign_off_by(user)
    in_programmes = under_programmes_tutored_by(user)
    if in_programmes is not None:
        page_type = ContentType.objects.get_for_model(Page)
        in_their_programme = Exists(
            Page.objects.filter(
                in_programmes,
                pk=Cast(OuterRef("workflow_state__object_id"), BigIntegerField()),
            )
        )
        states = states.filter(
            ~Q(workflow_state__base_content_type_id=page_type.pk) | in_their_programme
        )
    states = list(states.select_related("revision", "workflow_state").order_by("started_at", "pk"))
    progress = progress_for_states(CoAuthorSignOffTaskState.objects.filter(pk__in=states))
    urls = _edit_urls(
        (state.workflow_state.base_content_type_id, state.workflow_state.object_id)
        for state in states
    )
    page_type_id = ContentType.objects.get_for_model(Page).pk
    rows = []
    for state in states:
        # The slot this user may fill (the same annotation the task's own check uses).
        slot = next((slot for slot in SLOTS if getattr(state, slot.open_to_user)), None)
        is_page = state.workflow_state.base_content_type_id == page_type_id
        rows.append(
            ChangeRow(
                title=state.revision.object_str if state.revision else "",
                status=sign_off_wording(progress[state.pk]),
                url=urls.get(
                    (state.workflow_state.base_content_type_id, state.workflow_state.object_id),
                    "",
                ),
                approve_url=reverse(
                    "wagtailadmin_pages:workflow_action",
                    args=[int(state.workflow_state.object_id), "approve", state.pk],
                )
                if is_page and slot is not None
                else "",
                approve_label=slot.approve_label if slot is not None else "",
            )
        )
    return rows


def drafts_in_progress_for(user) -> list[ChangeRow]:
    """Pages whose unpublished change `user` saved last or sent for sign-off, newest first, with
    where each stands: three queries."""
    if not user.is_authenticated:
        return []
    page_type = ContentType.objects.get_for_model(Page)
    requested = WorkflowState.objects.filter(
        base_content_type_id=page_type.pk,
        object_id=Cast(OuterRef("pk"), output_field=CharField(max_length=255)),
        status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
        requested_by=user,
    )
    pages = list(
        Page.objects.filter(has_unpublished_changes=True)
        .filter(Q(latest_revision__user=user) | Exists(requested))
        .select_related("latest_revision")
        .order_by("-latest_revision_created_at", "-pk")[:DRAFTS_SHOWN]
    )
    workflows = {
        int(state.object_id): state
        for state in WorkflowState.objects.filter(
            base_content_type_id=page_type.pk,
            object_id__in=[str(page.pk) for page in pages],
            status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
        ).select_related("current_task_state")
    }
    task_state_ids = [
        state.current_task_state_id
        for state in workflows.values()
        if state.current_task_state_id is not None
    ]
    progress = progress_for_states(CoAuthorSignOffTaskState.objects.filter(pk__in=task_state_ids))
    rows = []
    for page in pages:
        state = workflows.get(page.pk)
        if state is not None and state.current_task_state_id in progress:
            status = sign_off_wording(progress[state.current_task_state_id])
        elif state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
            status = "Changes requested: both sign-offs are needed again once it is resubmitted"
        else:
            status = NOT_SUBMITTED
        title = page.latest_revision.object_str if page.latest_revision else page.title
        rows.append(
            ChangeRow(
                title=title or page.title,
                status=status,
                url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            )
        )
    return rows


def my_teaching_url() -> str:
    """The tutor's own page of sessions (delivery's), by its URL name."""
    try:
        return reverse("courses:teach")
    except NoReverseMatch:
        return ""


class SignOffAwaitingPanel(Component):
    name = "sign_off_awaiting"
    template_name = "wagtailadmin/home/sign_off_awaiting.html"
    order = 10

    def __init__(self, user):
        self.rows = awaiting_sign_off_for(user)

    def get_context_data(self, parent_context):
        return {"rows": self.rows, "csrf_token": parent_context["csrf_token"]}


class DraftsInProgressPanel(Component):
    name = "drafts_in_progress"
    template_name = "wagtailadmin/home/drafts_in_progress.html"
    order = 20

    def __init__(self, user):
        self.rows = drafts_in_progress_for(user)

    def get_context_data(self, parent_context):
        return {"rows": self.rows, "shown": DRAFTS_SHOWN}


class CoAuthoringHelpPanel(Component):
    name = "co_authoring_help"
    template_name = "wagtailadmin/home/co_authoring_help.html"
    order = 40

    def get_context_data(self, parent_context):
        return {"my_teaching_url": my_teaching_url()}


# Wagtail's own panels that these replace for a tutor: its "awaiting your review" knows nothing
# of programmes, and neither says what a change still needs.
REPLACED_FOR_TUTORS = {"workflow_objects_to_moderate", "user_objects_in_workflow_moderation"}


def tutor_panels_construct(request, panels) -> None:
    """The construct_homepage_panels hook's body (registered in cms/wagtail_hooks.py)."""
    user = request.user
    if not is_tutor(user):
        return
    if not user.is_superuser:
        panels[:] = [
            panel for panel in panels if getattr(panel, "name", "") not in REPLACED_FOR_TUTORS
        ]
    panels += [SignOffAwaitingPanel(user), DraftsInProgressPanel(user), CoAuthoringHelpPanel()]


def tutor_summary_items_construct(request, items) -> None:
    """A tutor's dashboard shows no site summary ("58 Pages, 0 Images"): it is not their job."""
    if is_tutor(request.user) and not request.user.is_superuser:
        items.clear()
