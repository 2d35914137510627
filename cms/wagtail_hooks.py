"""Wagtail admin wiring for the curricula: sign-off log actions and labels, module pairings."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter

from .models import ModulePairing
from .workflows import SLOTS, CoAuthorSignOffTaskState


class SignOffLogFormatter(LogFormatter):
    def format_comment(self, log_entry):
        return log_entry.data.get("comment", "")


@hooks.register("register_log_actions")
def register_sign_off_log_actions(actions):
    for slot in SLOTS:
        formatter = type(
            f"{slot.name.title()}SignOffLogFormatter",
            (SignOffLogFormatter,),
            {"label": slot.log_label, "message": slot.log_label},
        )
        actions.register_action(slot.log_action)(formatter)


@hooks.register("construct_page_action_menu")
def say_when_a_sign_off_does_not_publish(menu_items, request, context):
    """Wagtail labels every approval at the last task "... and Publish"; the first of the two
    sign-offs publishes nothing, so it keeps the plain label."""
    page = context.get("page")
    task_state = page.current_workflow_task_state if page is not None else None
    if not isinstance(task_state, CoAuthorSignOffTaskState):
        return
    slot = task_state.open_slot_for(request.user)
    if slot is None or task_state.completed_by(slot):
        return
    labels = [
        label
        for name, label, _modal in task_state.task.specific.get_actions(page, request.user)
        if name == "approve"
    ]
    items = [item for item in menu_items if getattr(item, "name", None) == "approve"]
    for item, label in zip(items, labels, strict=False):
        item.label = label


class ModulePairingViewSet(ModelViewSet):
    """Which patient module teaches the same skill as which professional module (one to one)."""

    model = ModulePairing
    menu_label = "Module pairings"
    icon = "link"
    add_to_admin_menu = True
    list_display = ["patient_module", "professional_module"]
    list_export = ["patient_module", "professional_module"]
    export_filename = "module-pairings"


@hooks.register("register_admin_viewset")
def register_module_pairing_viewset():
    return ModulePairingViewSet("module_pairings")
