"""Wagtail admin wiring for the site shell and curricula: sign-off log actions and labels."""

from wagtail import hooks
from wagtail.log_actions import LogFormatter

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
