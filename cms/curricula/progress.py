"""What a change under the co-production sign-off still needs, in words a tutor understands.

`sign_off_wording` is the one place that words it: the admin's status panel, the dashboard, the
confirmation after an approval and every sign-off email call it, so they cannot disagree.
`progress_of` reads a task state's progress (two queries); `progress_for_states` reads it for many
task states at once (one query, however many).
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.dateformat import format as format_date
from wagtail.models import TaskState

from cms.curricula.workflows import CLINICAL, LAY, SLOTS, CoAuthorSignOffTaskState

__all__ = ["Signature", "SignOffProgress", "progress_for_states", "progress_of", "sign_off_wording"]

KIND_WORDS = {LAY.name: "lay", CLINICAL.name: "clinical"}
NEEDED_WORDS = {LAY.name: "a lay tutor's", CLINICAL.name: "a clinical tutor's"}


@dataclass(frozen=True)
class Signature:
    """One sign-off given: by whom, and when."""

    name: str
    at: datetime


@dataclass(frozen=True)
class SignOffProgress:
    """The current sign-offs of one change: one per slot name ("lay", "clinical"), or None."""

    given: dict
    published: bool = False
    changes_requested: bool = False

    @property
    def missing(self) -> list[str]:
        return [slot.name for slot in SLOTS if self.given.get(slot.name) is None]


def on_day(moment: datetime) -> str:
    """ "7 December 2026", in the site's time zone."""
    return format_date(timezone.localtime(moment), "j F Y")


def sign_off_wording(progress: SignOffProgress) -> str:
    """What is still missing and what has been given, in one sentence, e.g. "Waiting for a lay
    tutor's sign-off; clinical sign-off given by Fiona MacLeod on 7 December 2026"."""
    given = [
        f"{KIND_WORDS[slot.name]} sign-off given by {signature.name} on {on_day(signature.at)}"
        for slot in SLOTS
        if (signature := progress.given.get(slot.name)) is not None
    ]
    if progress.published:
        return "Published: " + " and ".join(given) if given else "Published"
    if progress.changes_requested:
        return "Changes requested: both sign-offs are needed again once it is resubmitted"
    missing = progress.missing
    if len(missing) == len(SLOTS):
        return "Waiting for a lay tutor's and a clinical tutor's sign-off"
    head = "Waiting for " + " and ".join(NEEDED_WORDS[name] for name in missing) + " sign-off"
    if not missing:
        head = "Signed off by both co-authors"
    return "; ".join([head, *given])


def _display_name(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else "someone"


def _progress_from_row(task_state) -> SignOffProgress:
    """From a task state annotated with `with_current_slots` and its approvers selected."""
    given = {}
    for slot in SLOTS:
        if getattr(task_state, slot.is_current):
            given[slot.name] = Signature(
                _display_name(getattr(task_state, slot.approver_field)),
                getattr(task_state, slot.approved_at_field),
            )
    published = task_state.status == TaskState.STATUS_APPROVED
    rejected = task_state.status == TaskState.STATUS_REJECTED
    if published:
        # Once approved, the workflow has published the revision both signed: every slot counts.
        given = {
            slot.name: Signature(
                _display_name(getattr(task_state, slot.approver_field)),
                getattr(task_state, slot.approved_at_field),
            )
            for slot in SLOTS
            if getattr(task_state, slot.approver_field + "_id") is not None
        }
    return SignOffProgress(given=given, published=published, changes_requested=rejected)


def progress_for_states(task_states) -> dict[int, SignOffProgress]:
    """{task state id: progress} for a queryset of co-author sign-off task states: one query."""
    rows = task_states.with_current_slots().select_related(*(slot.approver_field for slot in SLOTS))
    return {row.pk: _progress_from_row(row) for row in rows}


def progress_of(task_state) -> SignOffProgress | None:
    """The progress of one task state (None if it is not a co-author sign-off)."""
    if task_state is None:
        return None
    rows = progress_for_states(CoAuthorSignOffTaskState.objects.filter(pk=task_state.pk))
    return rows.get(task_state.pk)


def wording_for_object(obj) -> str:
    """The wording for a page or knowledge check in the sign-off now ("" if it is not in it)."""
    # Only pages and snippets with a workflow have one (venues, tutors or instruments do not).
    workflow_state = (
        getattr(obj, "current_workflow_state", None) if obj is not None and obj.pk else None
    )
    if workflow_state is None or workflow_state.current_task_state_id is None:
        return ""
    progress = progress_of(workflow_state.current_task_state)
    return sign_off_wording(progress) if progress is not None else ""
