"""Who is involved in a change under the co-production sign-off: its authors, and the tutors who
may still sign it off. The rule of who may sign is CoAuthorSignOffTaskState.open_slot_for; this
only asks it, for the tutors of the page's programme."""

from django.contrib.auth import get_user_model
from wagtail.models import Revision

from cms.curricula.programmes import programme_of, tutors_of_programme

__all__ = ["authors_of", "reviewers_for"]


def authors_of(task_state) -> list:
    """Whoever requested the sign-off, and whoever saved a revision of the page since it was last
    published (domain rule 1's authors of the change), active and with an email address."""
    workflow_state = task_state.workflow_state
    obj = workflow_state.content_object
    revisions = Revision.objects.filter(
        base_content_type_id=workflow_state.base_content_type_id,
        object_id=workflow_state.object_id,
    )
    live_revision_id = getattr(obj, "live_revision_id", None)
    if live_revision_id is not None:
        revisions = revisions.filter(pk__gt=live_revision_id)
    ids = {*revisions.exclude(user=None).values_list("user_id", flat=True)}
    if workflow_state.requested_by_id is not None:
        ids.add(workflow_state.requested_by_id)
    return list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .exclude(email="")
        .order_by("last_name", "first_name", "pk")
    )


def reviewers_for(task_state) -> list:
    """The tutors of the page's programme who may give one of the sign-offs still open now (never
    an author of the change, never the holder of the other sign-off)."""
    programme = programme_of(task_state.workflow_state.content_object)
    candidates = (
        tutors_of_programme(programme).exclude(email="").order_by("last_name", "first_name", "pk")
    )
    return [user for user in candidates if task_state.open_slot_for(user) is not None]
