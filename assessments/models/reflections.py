"""Before-and-after reflections: questionnaires (instruments) and their frozen versions, scales
and items, administrations, responses, answers, kept scale scores, pseudonyms, reminders and
erasures.

An Instrument is a questionnaire as authors see it; each InstrumentVersion is a frozen copy of
its items. Once anyone has begun answering a version, its items never change: editing the
instrument makes a new version. An Administration asks one version of an instrument, before or
after something (a course run, an e-learning module: named only by content type and id, so this
app knows nothing of courses). A Response is one person's answers to one administration; when it
is submitted its scale scores are worked out once, with that version's own rules, and kept.
"""

from django.conf import settings
from django.db import models
from wagtail.fields import StreamField

from assessments.instrument_blocks import DefinitionBlock


class Phase(models.TextChoices):
    BEFORE = "before", "Before"
    AFTER = "after", "After"
    # Months after the course ended (Administration.months): the same scales and goals again.
    FOLLOW_UP = "follow_up", "Follow-up"
    # Tied to one session: the trainees' one-minute form, and each tutor's debrief.
    SESSION = "session", "After a session"
    DEBRIEF = "debrief", "Tutors' debrief"


# The phases of a before-and-after reflection, in the order they are asked.
REFLECTION_PHASES = (Phase.BEFORE, Phase.AFTER, Phase.FOLLOW_UP)


class ItemKind(models.TextChoices):
    RATING = "rating", "Rating scale"
    RETROSPECTIVE = "retrospective", "Looking back (retrospective-pre)"
    FREE_TEXT = "free_text", "Free-text reflection"
    CHOICE = "choice", "Single choice"
    # Up to three goals in the person's own words, each rated 0 to 10 (see assessments.goals).
    GOALS = "goals", "Your own goals"


SCORED_KINDS = (ItemKind.RATING, ItemKind.RETROSPECTIVE)


class Purpose(models.TextChoices):
    """What a questionnaire is for. A programme has at most one of each."""

    REFLECTION = "reflection", "Before-and-after reflection"
    SESSION_FEEDBACK = "session_feedback", "Feedback after each session"
    TUTOR_DEBRIEF = "tutor_debrief", "Tutors' debrief after each session"


class GoalsShared(models.TextChoices):
    """The person's choice about the goals they wrote: who sees them."""

    NO = "no", "No, keep my goals to myself"
    WITHOUT_NAME = "anonymous", "Yes, without my name"
    WITH_NAME = "named", "Yes, with my name"


class Instrument(models.Model):
    """A questionnaire, e.g. "Partnership skills: patients" (a before-and-after reflection), or
    the one-minute form trainees fill after each session."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Its name in content/instruments/ and in exports."
    )
    programme = models.ForeignKey(
        "cms.ProgrammePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instruments",
        help_text="The programme whose courses and e-learning modules ask this questionnaire.",
    )
    purpose = models.CharField(
        max_length=20,
        choices=Purpose.choices,
        default=Purpose.REFLECTION,
        help_text="Before and after a course, or after each session.",
    )
    introduction = models.TextField(
        blank=True, help_text="Shown at the top of the form: why we ask and who sees the answers."
    )
    definition = StreamField(
        DefinitionBlock(),
        blank=True,
        help_text="Scales (questions scored together) and questions on their own. Saving a "
        "questionnaire somebody has answered makes a new version; their answers stay as they were.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "purpose"],
                condition=models.Q(programme__isnull=False),
                name="one_instrument_per_programme_and_purpose",
            )
        ]

    def __str__(self):
        return self.title


class InstrumentVersion(models.Model):
    """A frozen copy of an instrument's items. Never edited once a response refers to it."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(
        help_text="The tidied definition this version was made from; an edit that changes it "
        "makes a new version (or rewrites this one if nobody has answered it yet)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="one_version_number")
        ]

    def __str__(self):
        return f"{self.instrument} (version {self.number})"


class Scale(models.Model):
    """Items scored together: a person's score is the mean of the scale's items they answered,
    reverse-scored items turned round. Matched before and after by `key`, across versions."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="scales")
    key = models.SlugField(max_length=60)
    label = models.CharField(
        max_length=200, help_text='Reads after "your": e.g. "confidence in agenda setting".'
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="one_scale_key")]

    def __str__(self):
        return self.label


class Item(models.Model):
    """One question of a version. `key` stays the same across versions for the same question."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    text = models.TextField()
    hint = models.TextField(blank=True)
    scale = models.ForeignKey(
        Scale, null=True, blank=True, on_delete=models.CASCADE, related_name="items"
    )
    reverse_scored = models.BooleanField(default=False)
    asked_before = models.BooleanField(default=True)
    asked_after = models.BooleanField(default=True)
    required = models.BooleanField(default=True)
    points = models.JSONField(
        default=list,
        blank=True,
        help_text='Rating and looking-back items: every point, e.g. [{"value": 0, "label": '
        '"Not at all confident"}, ...]; a label may be empty.',
    )
    options = models.JSONField(
        default=list,
        blank=True,
        help_text='Single choice items: [{"value": "weekly", "label": "Every week"}, ...].',
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="one_item_key")]

    def __str__(self):
        return self.text

    @property
    def point_values(self) -> list[int]:
        return [point["value"] for point in self.points]

    @property
    def lowest(self) -> int | None:
        return min(self.point_values, default=None)

    @property
    def highest(self) -> int | None:
        return max(self.point_values, default=None)

    def counted(self, number: int) -> int:
        """What an answer counts for in its scale: a reverse-scored item is turned round
        (lowest + highest - the answer), so a higher score always means more of the scale."""
        return self.lowest + self.highest - number if self.reverse_scored else number

    def asked_in(self, phase: str) -> bool:
        return self.asked_before if phase == Phase.BEFORE else self.asked_after


class Administration(models.Model):
    """One version asked before, after or some months after one course run or e-learning module,
    or after one session (the target)."""

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="administrations"
    )
    phase = models.CharField(max_length=10, choices=Phase.choices)
    months = models.PositiveSmallIntegerField(
        default=0, help_text="Follow-up: how many months after the course ended. 0 otherwise."
    )
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.PositiveBigIntegerField()
    programme = models.ForeignKey(
        "cms.ProgrammePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Pseudonyms in exports are per programme.",
    )
    label = models.CharField(
        max_length=300, help_text='What people see, e.g. "Moving on Together at Riverside".'
    )
    closes_after_days = models.PositiveSmallIntegerField(
        default=28, help_text="After surveys: how many days they stay open."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "phase", "months"],
                name="one_administration_per_phase",
            )
        ]
        indexes = [models.Index(fields=["programme", "phase"], name="administration_programme")]

    def __str__(self):
        return f"{self.label} ({self.get_phase_display().lower()})"


class Response(models.Model):
    """One person's answers to one administration: a draft they can come back to, then
    submitted, after which they can read it but not change it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="responses"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflection_responses"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    share_with_tutors = models.BooleanField(
        null=True, help_text="Consent to show free-text answers, without a name, to the tutors."
    )
    goals_shared = models.CharField(
        max_length=10,
        choices=GoalsShared.choices,
        blank=True,
        help_text="Whether the run's tutors may see the goals written here, and the name.",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    generated = models.BooleanField(
        default=False, help_text="Made up for the demonstration site, not a real person's answers."
    )
    # Staff who typed the answers in from the person's paper form; empty when they answered
    # online themselves.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "respondent"], name="one_response_per_person"
            )
        ]
        indexes = [
            models.Index(fields=["respondent", "status"], name="response_respondent"),
            models.Index(fields=["administration", "status"], name="response_administration"),
        ]

    def __str__(self):
        return f"{self.respondent} - {self.administration}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True, help_text="Rating and looking back.")
    text = models.TextField(blank=True, help_text="Free text, or the single choice's value.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "item"], name="one_answer")]

    def __str__(self):
        return f"{self.item_id}: {self.number if self.number is not None else self.text}"


class ScaleScore(models.Model):
    """A scale's score in a submitted response, worked out once when it is submitted.

    An after or follow-up response's row also keeps the same person's before score for the scale
    (from the before administration of the same target): the before survey always closes before the
    after one opens, so the pair is complete when the after is submitted, and matched analysis
    is one aggregate over these rows."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="scores"
    )
    scale_key = models.SlugField(max_length=60)
    scale_label = models.CharField(max_length=200)
    score = models.FloatField()
    retrospective_score = models.FloatField(null=True, blank=True)
    before_score = models.FloatField(null=True, blank=True)
    # A follow-up response's row also keeps the person's after score for the scale, so the
    # change sustained from after to follow-up is one aggregate too.
    after_score = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "scale_key"], name="one_score_per_scale")
        ]
        indexes = [
            models.Index(fields=["administration", "scale_key"], name="score_administration")
        ]

    def __str__(self):
        return f"{self.scale_label}: {self.score}"


class Pseudonym(models.Model):
    """A person's stable code within a programme, used in exports instead of any name or email."""

    programme = models.ForeignKey("cms.ProgrammePage", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=16, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="one_pseudonym")
        ]

    def __str__(self):
        return self.code


class ReflectionReminder(models.Model):
    """A "your reflection is ready" email already sent, so each is sent once."""

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="reminders"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "person"], name="one_reflection_reminder"
            )
        ]

    def __str__(self):
        return f"Reminder to {self.person_id} for {self.administration_id}"


class Erasure(models.Model):
    """A trainee's request to erase their reflections, and what was erased (no answers kept)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    responses_erased = models.PositiveIntegerField()

    def __str__(self):
        return f"Erasure of {self.responses_erased} responses at {self.requested_at}"
