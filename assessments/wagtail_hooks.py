"""Wagtail admin: knowledge checks, written by tutors and programme leads; reflection
questionnaires, written by programme leads."""

from django.core.exceptions import ValidationError
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList, Panel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from assessments.instrument_blocks import definition_from_stream
from assessments.models import ExportLog, Instrument, KnowledgeCheck
from assessments.reflections.instruments import (
    PROGRAMME_TAKEN,
    definition_clean,
    instrument_save,
    instrument_versions,
    instruments_with_versions,
)
from cms.permissions import ReadBySystemAdministratorsOnly


class KnowledgeCheckViewSet(SnippetViewSet):
    """The short quiz at the end of an e-learning lesson. Its questions and answers are checked
    on the server; people see the feedback only after they submit. A snippet with drafts and
    revisions, under the co-production sign-off: an edit goes live when a lay and a clinical
    tutor approve it (cms.curricula.signoff), and trainees answer the live check until then."""

    model = KnowledgeCheck
    admin_url_namespace = "knowledge_checks"
    base_url_path = "knowledge_checks"
    menu_label = "Knowledge checks"
    icon = "help"
    add_to_admin_menu = True
    menu_order = 310
    copy_view_enabled = False
    list_display = ["lesson", "title", "pass_mark", "updated_at", "live"]
    list_export = ["lesson", "title", "pass_mark", "updated_at", "live"]
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


register_snippet(KnowledgeCheckViewSet)


# --- reflection questionnaires -----------------------------------------------------------------

QUESTIONS_NEED_ATTENTION = "The questions need attention: see the list below the questions."
SLUG_KEPT = "The slug cannot change: the file in content/instruments and exports use it."


class InstrumentForm(WagtailAdminModelForm):
    """Checks the questions as one definition (instruments.definition_clean), so what is saved
    is exactly what instrument_save will accept."""

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if self.instance.pk is not None and slug != self.instance.slug:
            raise ValidationError(SLUG_KEPT)
        return slug

    def clean_programme(self):
        programme = self.cleaned_data.get("programme")
        if programme is not None:
            other = (
                Instrument.objects.filter(
                    programme=programme,
                    purpose=self.data.get("purpose") or self.instance.purpose,
                )
                .exclude(pk=self.instance.pk)
                .first()
            )
            if other is not None:
                raise ValidationError(PROGRAMME_TAKEN.format(programme=programme, instrument=other))
        return programme

    def clean(self):
        cleaned_data = super().clean()
        self.definition = None
        if "definition" in cleaned_data:
            try:
                self.definition = definition_clean(
                    definition_from_stream(cleaned_data["definition"])
                )
            except ValidationError as error:
                self.add_error("definition", error)
                self.add_error(None, QUESTIONS_NEED_ATTENTION)
        return cleaned_data

    def _post_clean(self):
        # The one-questionnaire-per-programme rule has its own message (clean_programme).
        super()._post_clean()
        if "programme" in self.errors and len(self.errors["programme"]) > 1:
            self.errors["programme"] = self.errors["programme"][:1]


class VersionsPanel(Panel):
    """Read only: every version, when it was made, and whether anyone has answered it."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "assessments/admin/instrument_versions.html"

        def is_shown(self):
            return self.instance is not None and self.instance.pk is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["versions"] = instrument_versions(self.instance)
            return context


class SavingThroughService:
    """Create and edit save through instrument_save, which decides whether the questions make a
    new version, and say what it did."""

    def save_instance(self):
        form = self.form
        self.saved = instrument_save(
            slug=form.cleaned_data["slug"],
            title=form.cleaned_data["title"],
            programme=form.cleaned_data.get("programme"),
            introduction=form.cleaned_data.get("introduction", ""),
            definition=form.definition,
            saved_by=self.request.user,
            purpose=form.cleaned_data.get("purpose"),
        )
        return self.saved.instrument

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            # A check only the save can make (another save got there first): no 500.
            form.add_error(None, error)
            return self.form_invalid(form)


class InstrumentCreateView(SavingThroughService, ModelViewSet.add_view_class):
    def get_success_message(self, instance):
        return f"“{instance}” saved. {self.saved.message}"


class InstrumentEditView(SavingThroughService, ModelViewSet.edit_view_class):
    def get_success_message(self):
        return f"“{self.object}” saved. {self.saved.message}"


class InstrumentIndexView(ModelViewSet.index_view_class):
    def get_base_queryset(self):
        return instruments_with_versions()


class InstrumentViewSet(ModelViewSet):
    """Before-and-after questionnaires. Saving one that somebody has answered makes a new
    version; the answers already given keep the version they answered."""

    model = Instrument
    menu_label = "Reflection questionnaires"
    icon = "form"
    add_to_admin_menu = True
    menu_order = 320
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = InstrumentIndexView
    add_view_class = InstrumentCreateView
    edit_view_class = InstrumentEditView
    list_display = [
        "title",
        Column("programme", label="Programme"),
        Column("get_purpose_display", label="For"),
        Column("latest_version", label="Latest version"),
        BooleanColumn("answered", label="Answered"),
        "updated_at",
    ]
    list_export = ["title", "slug", "programme", "latest_version", "answered", "updated_at"]
    export_headings = {"latest_version": "Latest version", "answered": "Answered"}
    export_filename = "reflection-questionnaires"
    search_fields = ["title", "slug"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("slug"),
            FieldPanel("programme"),
            FieldPanel("purpose"),
            FieldPanel("introduction"),
            HelpPanel(
                content=(
                    "<p>A <strong>scale</strong> is a few rating questions scored together (the "
                    "mean of the answers; a reverse-scored question is turned round), with a "
                    "looking-back question asked after (“looking back, how confident were you "
                    "before the course?”). Questions on their own are for free-text reflections "
                    "and single choices.</p><p>Once anybody has answered the questionnaire, saving "
                    "a change makes a new version: earlier answers keep the questions they "
                    "answered. Before and after are matched by the scale's key, so keep it.</p>"
                ),
                heading="Writing a questionnaire",
            ),
            FieldPanel("definition"),
            VersionsPanel(heading="Versions"),
        ],
        base_form_class=InstrumentForm,
    )


@hooks.register("register_admin_viewset")
def register_instrument_viewset():
    return InstrumentViewSet("instruments")


register_permission_policy(ExportLog, ReadBySystemAdministratorsOnly(ExportLog))


class ExportLogViewSet(ModelViewSet):
    """Who downloaded reflection answers, when, in what format, with which filters. Read only,
    and for system administrators: the rows themselves say who looked at personal data."""

    model = ExportLog
    menu_label = "Reflection export log"
    icon = "history"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["exported_at", "exported_by", "what", "file_format", "row_count", "filters"]
    list_filter = ["file_format"]
    list_export = ["exported_at", "exported_by", "what", "file_format", "row_count", "filters"]
    export_filename = "reflection-export-log"
    ordering = ["-exported_at"]
    form_fields = ["what"]  # never offered: nobody has the add or change permission


@hooks.register("register_admin_viewset")
def register_export_log_viewset():
    return ExportLogViewSet("export_log")
