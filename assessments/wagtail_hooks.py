"""Wagtail admin: knowledge checks, written by tutors and programme leads."""

from wagtail import hooks
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.admin.viewsets.model import ModelViewSet

from .models import KnowledgeCheck


class KnowledgeCheckViewSet(ModelViewSet):
    """The short quiz at the end of an e-learning lesson. Its questions and answers are checked
    on the server; people see the feedback only after they submit."""

    model = KnowledgeCheck
    menu_label = "Knowledge checks"
    icon = "help"
    add_to_admin_menu = True
    menu_order = 310
    copy_view_enabled = False
    list_display = ["lesson", "title", "pass_mark", "updated_at"]
    list_export = ["lesson", "title", "pass_mark", "updated_at"]
    export_filename = "knowledge-checks"
    search_fields = ["title"]
    panels = [
        FieldPanel("lesson"),
        FieldPanel("title"),
        FieldPanel("pass_mark"),
        HelpPanel(
            content=(
                "Two or three questions, each with three or four options. A one-answer question "
                "has exactly one correct option; a one-or-more question has at least one. Every "
                "option needs feedback saying why it is right or not quite right."
            ),
            heading="Writing questions",
        ),
        FieldPanel("questions"),
    ]


@hooks.register("register_admin_viewset")
def register_knowledge_check_viewset():
    return KnowledgeCheckViewSet("knowledge_checks")
