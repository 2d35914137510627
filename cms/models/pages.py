"""The curriculum pages: home, programme (a track), module (with its counterpart on the other
track and its co-authors) and lesson, and who may read tutors' notes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import LessonStreamBlock
from cms.curricula.vocabulary import ModuleFormat, Theme, Track
from cms.markdown_editing import MarkdownPanel
from cms.roles import TUTORS_AND_LEADS, has_any_role
from cms.validation import plain_text


class HomePage(Page):
    """The front page of the site: what the programme is and where to start."""

    introduction = models.TextField(
        blank=True,
        max_length=5000,
        help_text="A short welcome in plain English, shown under the page title.",
    )

    content_panels = [*Page.content_panels, FieldPanel("introduction")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ProgrammePage", "cms.InformationPage"]
    max_count = 1
    template = "cms/home_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = ProgrammePage.objects.child_of(self).live().order_by("path")
        return context


class InformationPage(Page):
    """A page of information about the service, such as the privacy notice or the accessibility
    statement, linked from the footer. Its text is Markdown, like the rest of the site's text."""

    body = models.TextField(
        max_length=20000,
        validators=[MaxLengthValidator(20000), plain_text],
        help_text="Markdown: ## for a heading, a blank line between paragraphs, - for a list.",
    )
    show_site_contacts = models.BooleanField(
        "list the delivery sites' contact details",
        default=False,
        help_text="Under the text, list each delivery site's phone, email and opening hours, as "
        "its programme lead or site administrator keeps them (for a Contact us page).",
    )

    show_retention_periods = models.BooleanField(
        "list how long each kind of data is kept",
        default=False,
        help_text="Under the text, list the retention periods as the organisation set them in "
        "the service's settings (for the privacy notice), so the page always says what the "
        "retention job does.",
    )

    content_panels = [
        *Page.content_panels,
        MarkdownPanel("body"),
        FieldPanel("show_site_contacts"),
        FieldPanel("show_retention_periods"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    template = "cms/information_page.html"


FOLLOW_UP_MOST_POINTS = 4
FOLLOW_UP_LONGEST_MONTHS = 36


def parse_follow_up_months(text: str) -> list[int]:
    """ "3, 6, 12" -> [3, 6, 12]: whole months 1 to 36, increasing, at most 4; "" -> []."""
    text = (text or "").strip()
    if not text:
        return []
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    if any(not (part.isascii() and part.isdigit()) for part in parts):
        raise ValidationError(
            "Enter whole numbers of months separated by commas, for example 3, 6, 12."
        )
    months = [int(part) for part in parts]
    if len(months) > FOLLOW_UP_MOST_POINTS:
        raise ValidationError(f"Enter at most {FOLLOW_UP_MOST_POINTS} follow-up points.")
    if any(not 1 <= month <= FOLLOW_UP_LONGEST_MONTHS for month in months):
        raise ValidationError(
            f"Each follow-up point must be from 1 to {FOLLOW_UP_LONGEST_MONTHS} months."
        )
    if any(later <= earlier for earlier, later in zip(months, months[1:], strict=False)):
        raise ValidationError("Enter the follow-up points in increasing order, each once.")
    return months


class ProgrammePage(Page):
    """A track of the curriculum, e.g. Moving on Together (patients) or Working in Partnership."""

    track = models.CharField(max_length=20, choices=Track.choices)
    summary = models.CharField(max_length=300, help_text="One sentence shown in lists.")
    introduction = models.TextField(
        blank=True, max_length=5000, help_text="Markdown: who it is for and how it runs."
    )
    follow_up_months = models.CharField(
        max_length=40,
        blank=True,
        default="3, 6, 12",
        verbose_name="Follow-up points",
        help_text=(
            "Whole months after the course ends when people are asked again, separated by "
            "commas, for example 3, 6, 12. From 1 to 36, in increasing order, at most 4. "
            "Leave empty for no follow-up."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("track"),
        FieldPanel("summary"),
        MarkdownPanel("introduction"),
        MultiFieldPanel(
            [FieldPanel("follow_up_months")],
            heading="Does it last? Follow-up",
        ),
    ]

    def clean(self):
        super().clean()
        errors = {}
        try:
            self.follow_up_months = ", ".join(
                str(month) for month in parse_follow_up_months(self.follow_up_months)
            )
        except ValidationError as error:
            errors["follow_up_months"] = error
        if errors:
            raise ValidationError(errors)

    @property
    def follow_up_points(self) -> list[int]:
        """The months after the course ends when people are asked again ([] when none, or when
        the stored text is not valid)."""
        try:
            return parse_follow_up_months(self.follow_up_months)
        except ValidationError:
            return []

    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ModulePage"]
    template = "cms/programme_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modules"] = (
            ModulePage.objects.child_of(self).live().order_by("path").select_related(*PAIRING_JOINS)
        )
        return context


PAIRING_JOINS = [
    "pairing_as_patient__professional_module",
    "pairing_as_professional__patient_module",
]


class ModulePage(Page):
    """A module of a track: one weekly session, one workshop, or an e-learning module.

    Its counterpart (the module on the other track that teaches the same skill) is kept in
    `ModulePairing`, outside the page's revisions, so the pairing is symmetric by construction.
    """

    theme = models.CharField(max_length=40, choices=Theme.choices)
    format = models.CharField(
        max_length=20, choices=ModuleFormat.choices, default=ModuleFormat.COURSE
    )
    summary = models.CharField(max_length=300, help_text="One sentence shown in lists.")
    overview = models.TextField(
        blank=True, max_length=5000, help_text="Markdown: what the module is for and its outcomes."
    )
    session_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Length of the session or workshop; its activities must add up to this.",
    )
    prepares_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prepared_by",
        help_text="For e-learning: the workshop module it prepares people for.",
    )
    lay_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The co-author who lives with a long-term condition.",
    )
    clinical_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The co-author who is a clinician.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("theme"),
                FieldPanel("format"),
                FieldPanel("session_minutes"),
                FieldPanel("prepares_for"),
            ],
            heading="About this module",
        ),
        MarkdownPanel("overview"),
        MultiFieldPanel(
            [FieldPanel("lay_author"), FieldPanel("clinical_author")],
            heading="Co-authors",
        ),
        HelpPanel(
            content="The paired module on the other track is set under Module pairings in the menu.",
            heading="Counterpart",
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("overview"),
    ]

    parent_page_types = ["cms.ProgrammePage"]
    subpage_types = ["cms.LessonPage"]
    template = "cms/module_page.html"

    @property
    def track(self):
        parent = self.get_parent()
        return parent.specific.track if parent else None

    @property
    def counterpart(self):
        for attribute, other in [
            ("pairing_as_patient", "professional_module"),
            ("pairing_as_professional", "patient_module"),
        ]:
            try:
                return getattr(getattr(self, attribute), other)
            except ModulePairing.DoesNotExist:
                continue
        return None

    def clean(self):
        super().clean()
        if self.lay_author_id and self.lay_author_id == self.clinical_author_id:
            raise ValidationError(
                {"clinical_author": "The lay and clinical co-authors must be two different people."}
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = LessonPage.objects.child_of(self).live().order_by("path")
        # The programme this module belongs to, for its "Find a date" link: one query.
        context["programme"] = (
            ProgrammePage.objects.filter(path=self.path[: -self.steplen])
            .only("pk", "title")
            .first()
        )
        context["counterpart"] = self.counterpart
        context["show_tutor_notes"] = can_see_tutor_notes(request.user)
        return context


class ModulePairing(models.Model):
    """A patient module and the professional module that teaches the same skill, one to one."""

    patient_module = models.OneToOneField(
        ModulePage, on_delete=models.CASCADE, related_name="pairing_as_patient"
    )
    professional_module = models.OneToOneField(
        ModulePage, on_delete=models.CASCADE, related_name="pairing_as_professional"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(patient_module=models.F("professional_module")),
                name="a_module_is_not_its_own_counterpart",
            )
        ]

    panels = [FieldPanel("patient_module"), FieldPanel("professional_module")]

    def __str__(self):
        return f"{self.patient_module.title} ↔ {self.professional_module.title}"

    def clean(self):
        super().clean()
        if not (self.patient_module_id and self.professional_module_id):
            return
        patient, professional = self.patient_module, self.professional_module
        if patient.track != Track.PATIENT or professional.track != Track.PROFESSIONAL:
            raise ValidationError(
                "A pairing needs one patient module and one professional module: "
                f"{patient.title!r} is on the {patient.track} track and "
                f"{professional.title!r} is on the {professional.track} track."
            )


class LessonPage(Page):
    """One lesson of a module: a session plan with timed activities, or an e-learning lesson."""

    summary = models.CharField(max_length=300, blank=True, help_text="One sentence shown in lists.")
    minutes = models.PositiveIntegerField(help_text="How long the lesson takes, in minutes.")
    body = StreamField(LessonStreamBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("minutes"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["cms.ModulePage"]
    subpage_types = []
    template = "cms/lesson_page.html"

    def activities(self):
        return [block.value for block in self.body if block.block_type == "activity"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The parent's tree path is this page's path less one step: one query, not two.
        module = ModulePage.objects.select_related("lay_author", "clinical_author").get(
            path=self.path[: -self.steplen]
        )
        siblings = list(
            LessonPage.objects.sibling_of(self)
            .live()
            .order_by("path")
            .only("title", "path", "url_path")
        )
        position = next(index for index, lesson in enumerate(siblings) if lesson.pk == self.pk)
        activities = self.activities()
        context.update(
            module=module,
            previous_lesson=siblings[position - 1] if position > 0 else None,
            next_lesson=siblings[position + 1] if position + 1 < len(siblings) else None,
            activity_count=len(activities),
            activity_minutes=sum(activity["minutes"] for activity in activities),
            show_tutor_notes=can_see_tutor_notes(request.user),
        )
        return context


def can_see_tutor_notes(user):
    """Tutors' instructions are for the people who teach and plan courses."""
    return user.is_superuser or has_any_role(user, *TUTORS_AND_LEADS)
