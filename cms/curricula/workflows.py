"""The co-production sign-off: a Wagtail workflow task that needs a lay and a clinical approval.

Domain rule 1: a curriculum page goes live only after sign-off by a lay tutor and a clinical tutor,
two different people, neither of them an author of the change under review. The task keeps one
slot per kind of co-author on its task state, and approves (so that Wagtail, at the end of the
workflow, publishes) only when both slots hold current approvals from two different people.

An author of the change is whoever requested the workflow, or saved a revision of the page since it
was last published (a draft saved before the workflow started is part of the change: else a
colleague could submit someone's draft unchanged and its writer approve it). Knowledge checks
(registered in cms.curricula.signoff) follow the same rule. Each slot records the revision its
approver signed off, and counts only while that is still the page's latest revision: Wagtail
publishes the *latest* revision when the workflow finishes, so an approval given before someone
edited the page would otherwise put text live that its approver never saw. A stale slot is open
again.

Superusers keep Wagtail's full powers: they may publish directly, which cancels the workflow.
They get no sign-off slot unless they are also in a tutor group.
"""

from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from wagtail.log_actions import LogContext, get_active_log_context, log
from wagtail.models import Page, Revision, Task, TaskState
from wagtail.models.workflows import BaseTaskStateManager, TaskStateQuerySet

from cms.roles import TUTOR_ROLES, Role, roles_of

__all__ = ["CoAuthorSignOffTask", "CoAuthorSignOffTaskState"]

DESCRIPTION = (
    "Needs one lay tutor and one clinical tutor to approve; two different people, "
    "neither the author of the change"
)
REQUEST_CHANGES = "Request changes"
NOT_ALLOWED = "You may not sign off this change."
NOT_IN_PROGRESS = "This sign-off is no longer in progress."


@dataclass(frozen=True)
class Slot:
    """One of the two approvals the task needs: who may give it, and its words in the admin."""

    name: str
    role: Role
    approve_label: str
    log_action: str
    log_label: str

    @property
    def approver_field(self):
        return f"{self.name}_approver"

    @property
    def approved_at_field(self):
        return f"{self.name}_approved_at"

    @property
    def revision_field(self):
        return f"{self.name}_revision"

    @property
    def is_current(self):
        """Annotation: the slot holds an approval of the page's latest revision."""
        return f"{self.name}_is_current"

    @property
    def open_to_user(self):
        """Annotation: the user passed to `with_sign_off_for` may fill the slot now."""
        return f"{self.name}_is_open_to_user"


LAY = Slot(
    name="lay",
    role=Role.LAY_TUTOR,
    approve_label="Approve as lay co-author",
    log_action="cms.sign_off.lay",
    log_label="Signed off as lay co-author",
)
CLINICAL = Slot(
    name="clinical",
    role=Role.CLINICAL_TUTOR,
    approve_label="Approve as clinical co-author",
    log_action="cms.sign_off.clinical",
    log_label="Signed off as clinical co-author",
)
# Order matters: someone in both tutor groups fills the first open slot, and then no other.
SLOTS = (LAY, CLINICAL)


def _logged_as(user):
    """Attribute log entries to `user` unless an admin request already does."""
    if get_active_log_context().user is not None:
        return nullcontext()
    return LogContext(user=user)


def is_tutor(user) -> bool:
    return bool(roles_of(user) & TUTOR_ROLES)


def _boolean(condition):
    return Case(
        When(condition, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _revisions_of_page():
    """Revisions of the page (or snippet) that the outer task state's workflow is about."""
    return Revision.objects.filter(
        base_content_type_id=OuterRef("workflow_state__base_content_type_id"),
        object_id=OuterRef("workflow_state__object_id"),
    )


def _latest_revision_id():
    """The revision Wagtail will publish when the outer task state's workflow finishes: the
    page's (or knowledge check's) latest."""
    return Subquery(_revisions_of_page().order_by("-pk").values("pk")[:1])


def _live_revision_id_of_revisions_page():
    """Inside a query of revisions: the live revision of each one's page or signed-off object
    (None if it was never published through a revision)."""
    from cms.curricula.signoff import signed_off_models  # here: signoff imports this module

    def live_of(model):
        return Subquery(
            model.objects.filter(pk=Cast(OuterRef("object_id"), models.BigIntegerField())).values(
                "live_revision_id"
            )[:1]
        )

    return Case(
        *(
            When(
                base_content_type_id=ContentType.objects.get_for_model(model).pk,
                then=live_of(model),
            )
            for model in (Page, *signed_off_models())
        ),
        default=Value(None),
        output_field=models.BigIntegerField(),
    )


def _holds_current_approval(slot):
    return Q(
        **{
            f"{slot.approver_field}__isnull": False,
            f"{slot.revision_field}_id": _latest_revision_id(),
        }
    )


class CoAuthorSignOffTaskStateQuerySet(TaskStateQuerySet):
    def with_current_slots(self):
        """Annotate, per slot, whether it holds an approval of the page's latest revision."""
        return self.annotate(
            **{slot.is_current: _boolean(_holds_current_approval(slot)) for slot in SLOTS}
        )

    def with_sign_off_for(self, user):
        """Annotate, per slot, whether `user` may fill it now. The whole rule is in this one
        query, so the dashboard, the actions offered and the check made when someone approves
        cannot disagree."""
        # Revisions after the live one (all of them for a page never published), by id: two
        # saves in the same second are still told apart, and a draft saved before the workflow
        # started is as much the change under review as one saved after.
        is_author = Q(workflow_state__requested_by_id=user.pk) | Exists(
            _revisions_of_page().filter(
                user_id=user.pk, pk__gt=Coalesce(_live_revision_id_of_revisions_page(), 0)
            )
        )
        roles = roles_of(user)
        annotations = {}
        for slot in SLOTS:
            if user.pk is None or slot.role not in roles:
                annotations[slot.open_to_user] = Value(False, output_field=BooleanField())
                continue
            condition = ~is_author & ~_holds_current_approval(slot)
            for other in SLOTS:
                if other is not slot:
                    # One person never holds both slots.
                    condition &= ~(
                        _holds_current_approval(other) & Q(**{other.approver_field: user.pk})
                    )
            annotations[slot.open_to_user] = _boolean(condition)
        return self.annotate(**annotations)

    def awaiting_sign_off_by(self, user):
        """In-progress task states in which `user` may fill a slot."""
        return (
            self.filter(status=TaskState.STATUS_IN_PROGRESS)
            .with_sign_off_for(user)
            .filter(Q(**{LAY.open_to_user: True}) | Q(**{CLINICAL.open_to_user: True}))
        )


class CoAuthorSignOffTaskState(TaskState):
    """One run of the sign-off task on a revision: who has signed each slot, and when."""

    lay_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lay_approved_at = models.DateTimeField(null=True, blank=True)
    lay_revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The revision the lay co-author signed off.",
    )
    clinical_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clinical_approved_at = models.DateTimeField(null=True, blank=True)
    clinical_revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The revision the clinical co-author signed off.",
    )

    objects = BaseTaskStateManager.from_queryset(CoAuthorSignOffTaskStateQuerySet)()

    class Meta:
        verbose_name = "Co-author sign-off task state"
        verbose_name_plural = "Co-author sign-off task states"

    def open_slot_for(self, user):
        """The slot `user` may fill now, or None."""
        if not user.is_authenticated or self.pk is None:
            return None
        row = (
            CoAuthorSignOffTaskState.objects.filter(pk=self.pk)
            .with_sign_off_for(user)
            .values(*(slot.open_to_user for slot in SLOTS))
            .get()
        )
        return next((slot for slot in SLOTS if row[slot.open_to_user]), None)

    def _current_approvers(self):
        """{slot: approver id} for the slots holding an approval of the page's latest revision."""
        row = (
            CoAuthorSignOffTaskState.objects.filter(pk=self.pk)
            .with_current_slots()
            .values(*(slot.is_current for slot in SLOTS), *(slot.approver_field for slot in SLOTS))
            .get()
        )
        return {slot: row[slot.approver_field] for slot in SLOTS if row[slot.is_current]}

    def is_signed_off(self):
        """Both slots hold current approvals, from two different people."""
        return len(set(self._current_approvers().values())) == len(SLOTS)

    def completed_by(self, slot):
        """Whether filling `slot` now would complete the sign-off."""
        return all(other in self._current_approvers() for other in SLOTS if other is not slot)

    def sign_off(self, slot, *, user, comment=""):
        """Fill `slot` for `user`, whom the caller has checked may fill it; log it; and approve
        the task once both slots hold current approvals from two different people."""
        fields = {
            slot.approver_field: user,
            slot.approved_at_field: timezone.now(),
            slot.revision_field: self.workflow_state.content_object.get_latest_revision(),
        }
        for field, value in fields.items():
            setattr(self, field, value)
        self.save(update_fields=list(fields))
        workflow_state = self.workflow_state
        log(
            instance=self.revision.as_object(),
            action=slot.log_action,
            user=user,
            revision=self.revision,
            data={
                "workflow": {
                    "id": workflow_state.workflow_id,
                    "title": workflow_state.workflow.name,
                    "task_state_id": self.pk,
                    "task": {"id": self.task_id, "title": self.task.name},
                },
                "comment": comment,
            },
        )
        if self.is_signed_off():
            self.approve(user=user, update=False, comment=comment)
            # Wagtail 8 publishes a finished workflow as its last approver and checks that
            # *they* may publish (PublishPageRevisionAction.check). Tutors may not, on purpose:
            # here the two sign-offs are the authority, so the workflow moves on with no user
            # to check, and the log entries still name the person who completed it.
            with _logged_as(user):
                self.workflow_state.update(user=None)


class CoAuthorSignOffTask(Task):
    """A workflow step that needs one lay tutor and one clinical tutor to approve (domain rule 1)."""

    task_state_class = CoAuthorSignOffTaskState

    class Meta:
        verbose_name = "Co-author sign-off task"
        verbose_name_plural = "Co-author sign-off tasks"

    @classmethod
    def get_description(cls):
        return DESCRIPTION

    def user_can_access_editor(self, obj, user):
        return user.is_superuser or is_tutor(user)

    def locked_for_user(self, obj, user):
        return not (user.is_superuser or is_tutor(user))

    def get_actions(self, obj, user):
        task_state = getattr(obj, "current_workflow_task_state", None)
        if task_state is None or task_state.task_id != self.pk or not is_tutor(user):
            return []
        actions = [("reject", REQUEST_CHANGES, True)]
        if (slot := task_state.open_slot_for(user)) is not None:
            actions += [
                ("approve", slot.approve_label, False),
                ("approve", f"{slot.approve_label} with comment", True),
            ]
        return actions

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        """Check again here: that the admin offered an action proves nothing.

        Returns None, because Wagtail's workflow action view redirects to whatever this returns.
        """
        comment = kwargs.get("comment", "")
        # Lock the row, so that two approvers at the same moment cannot each see the other's
        # slot empty and leave the task signed twice but never approved.
        task_state = (
            CoAuthorSignOffTaskState.objects.select_for_update()
            .select_related("workflow_state")
            .get(pk=task_state.pk, task=self)
        )
        if task_state.status != TaskState.STATUS_IN_PROGRESS:
            raise PermissionDenied(NOT_IN_PROGRESS)
        # Here: these modules import this one.
        from cms.curricula import emails
        from cms.curricula.confirm import confirm
        from cms.curricula.progress import progress_of, sign_off_wording

        title = emails.title_of(task_state.workflow_state.content_object)
        # The authors of the change, read before it is published (then it has none left).
        authors = emails.authors_of(task_state)
        if action_name == "reject" and is_tutor(user):
            task_state.reject(user=user, comment=comment)
            emails.changes_requested_send(task_state, reviewer=user, comment=comment)
            confirm(f"You asked for changes to “{title}”. Its authors have been emailed.")
        elif action_name == "approve" and (slot := task_state.open_slot_for(user)) is not None:
            task_state.sign_off(slot, user=user, comment=comment)
            task_state.refresh_from_db()
            if task_state.status == TaskState.STATUS_APPROVED:
                emails.published_send(task_state, approver=user, authors=authors)
                confirm(
                    f"“{title}” has both sign-offs and is now published. Everyone involved "
                    "has been emailed."
                )
            else:
                emails.sign_off_given_send(task_state, approver=user)
                wording = sign_off_wording(progress_of(task_state))
                confirm(f"Your sign-off of “{title}” is saved. It is not published yet. {wording}.")
        else:
            raise PermissionDenied(NOT_ALLOWED)
        return None

    def get_task_states_user_can_moderate(self, user, **kwargs):
        # Wagtail unions these across task types, so this must be a plain TaskState queryset.
        if not is_tutor(user):
            return TaskState.objects.none()
        awaiting = CoAuthorSignOffTaskState.objects.filter(task=self).awaiting_sign_off_by(user)
        return TaskState.objects.filter(pk__in=awaiting.values("pk"))
