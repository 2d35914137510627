"""Writes for the co-production sign-off (domain rule 1). Each runs in one transaction."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Page, Workflow, WorkflowContentType, WorkflowPage, WorkflowTask

from cms.curricula.workflows import CoAuthorSignOffTask

SIGN_OFF_NAME = "Co-production sign-off"

# Models other than pages that go live only through the sign-off ("app_label.ModelName"), added
# by the apps that own them in their AppConfig.ready (a lower app never imports a higher one).
_signed_off_models: list[str] = []


def signed_off_model_register(label: str) -> None:
    if label not in _signed_off_models:
        _signed_off_models.append(label)


def signed_off_models() -> list:

    return [apps.get_model(label) for label in _signed_off_models]


@transaction.atomic
def signoff_workflow_ensure(*, root_page: Page) -> tuple[Workflow, bool]:
    """Make sure the "Co-production sign-off" workflow, with its one co-author sign-off task,
    exists, is active, and covers `root_page` and every page below it (both tracks), and the
    models registered with signed_off_model_register (knowledge checks).
    Returns (workflow, changed); a second run changes nothing."""
    changed = False
    task = CoAuthorSignOffTask.objects.filter(name=SIGN_OFF_NAME).order_by("pk").first()
    if task is None:
        task = CoAuthorSignOffTask(name=SIGN_OFF_NAME)
        task.full_clean()
        task.save()
        changed = True
    elif not task.active:
        task.active = True
        task.save(update_fields=["active"])
        changed = True

    workflow = Workflow.objects.filter(name=SIGN_OFF_NAME).order_by("pk").first()
    if workflow is None:
        workflow = Workflow(name=SIGN_OFF_NAME)
        workflow.full_clean()
        workflow.save()
        changed = True
    elif not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
        changed = True

    # Exactly one step: the sign-off. Any other task in this workflow would weaken or blur it.
    steps = WorkflowTask.objects.filter(workflow=workflow)
    if list(steps.values_list("task_id", flat=True)) != [task.pk]:
        steps.delete()
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        changed = True

    for model in signed_off_models():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        assigned = WorkflowContentType.objects.filter(content_type=content_type).first()
        if assigned is None:
            WorkflowContentType.objects.create(content_type=content_type, workflow=workflow)
            changed = True
        elif assigned.workflow_id != workflow.pk:
            assigned.workflow = workflow
            assigned.save(update_fields=["workflow"])
            changed = True

    assignment = WorkflowPage.objects.filter(page=root_page).first()
    if assignment is None:
        WorkflowPage.objects.create(page=root_page, workflow=workflow)
        changed = True
    elif assignment.workflow_id != workflow.pk:
        assignment.workflow = workflow
        assignment.save(update_fields=["workflow"])
        changed = True
    return workflow, changed
