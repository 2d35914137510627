"""Before-and-after reflections for the people who run the courses.

- A site's leads and administrators see the matched change per scale for the site (filtered by
  programme, run and period): figures only, and none at all for fewer than 5 people.
- A run's tutors read the written answers their group agreed to share: grouped by question,
  with no names and no dates, in an order that does not follow any one person.
"""

from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments.models import Answer, ItemKind, Phase
from assessments.reflections.analysis import MIN_MATCHED, ScaleChange, matched_change
from cms.forms import RowChoiceField
from cms.models import ProgrammePage
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS, TUTOR_ROLES
from courses.common.forms import DateInputField, PeriodForm
from courses.models import CourseRun, Session, Site
from courses.reflections.administrations import responses_in_scope, shared_reflections_query
from courses.sites.scope import site_for_lead

SUPPRESSED = (
    f"Fewer than {MIN_MATCHED} people answered both before and after, so results are not shown, "
    "to protect their privacy."
)
SHIFT_SUPPRESSED = f"Fewer than {MIN_MATCHED} people answered the looking-back questions."
NO_PAIRS = "Nobody at {site} has answered both the before and the after reflection yet."
NO_PAIRS_FILTERED = "Nobody answered both the before and the after reflection in these results."
RUN_NOT_OF_PROGRAMME = "That course run is not part of the programme you chose."
NO_SHARED_ANSWERS = (
    "Nobody in this group has shared a written answer yet. People choose whether to share "
    "their written answers with their tutors when they send their reflection."
)


# --- the site's matched change --------------------------------------------------------------------


class ReflectionFilterForm(PeriodForm):
    period_fields = ("submitted_from", "submitted_until")

    programme = RowChoiceField(
        queryset=ProgrammePage.objects.none(),
        label="Programme",
        required=False,
        empty_label="All programmes",
    )
    run = RowChoiceField(
        queryset=CourseRun.objects.none(),
        label="Course run",
        required=False,
        empty_label="All course runs",
    )
    submitted_from = DateInputField(
        what="first day after reflections were sent",
        label="After reflections sent from",
        required=False,
        help_text="For example, 1 9 2026. Leave empty to start from the first.",
    )
    submitted_until = DateInputField(
        what="last day after reflections were sent",
        label="After reflections sent until",
        required=False,
        help_text="For example, 31 8 2027. Leave empty for up to today.",
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = ProgrammePage.objects.order_by("title")
        self.fields["run"].queryset = (
            # As every list of runs: the first session first.
            CourseRun.objects.filter(site=site)
            .with_dates()
            .select_related("programme")
            .in_date_order()
        )
        self.fields["run"].label_from_instance = lambda run: f"{run.title} ({run.programme.title})"

    def clean(self):
        cleaned_data = super().clean()
        programme, run = cleaned_data.get("programme"), cleaned_data.get("run")
        if programme and run and run.programme_id != programme.pk:
            self.add_error("run", RUN_NOT_OF_PROGRAMME)
        return cleaned_data


def site_matched_change(site: Site, *, programme=None, run=None, since=None, until=None):
    """The site's matched change per scale (one query)."""
    responses = responses_in_scope(
        sites=Site.objects.filter(pk=site.pk),
        programme_id=programme.pk if programme else None,
        run_id=run.pk if run else None,
    )
    return matched_change(responses, submitted_from=since, submitted_until=until)


def _export_url(programme) -> str:
    url = reverse("reflection_answers")
    return f"{url}?{urlencode({'programme': programme.pk})}" if programme else url


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_reflections(request, slug):
    site = site_for_lead(request.user, slug)
    form = ReflectionFilterForm(request.GET or None, site=site)
    changes: list[ScaleChange] | None = None
    programme = None
    if not form.is_bound:
        changes = site_matched_change(site)
    elif form.is_valid():
        data = form.cleaned_data
        programme = data["programme"]
        changes = site_matched_change(
            site,
            programme=programme,
            run=data["run"],
            since=data["submitted_from"],
            until=data["submitted_until"],
        )
    return render(
        request,
        "courses/reflections/site.html",
        {
            "site": site,
            "form": form,
            "changes": changes,
            "filtered": form.is_bound,
            "export_url": _export_url(programme),
            "suppressed_message": SUPPRESSED,
            "shift_suppressed_message": SHIFT_SUPPRESSED,
            "empty_message": NO_PAIRS_FILTERED if form.is_bound else NO_PAIRS.format(site=site),
            "min_matched": MIN_MATCHED,
            "generated": max((change.generated or 0 for change in changes or []), default=0),
        },
        status=400 if form.errors else 200,
    )


# --- a run's shared written answers ----------------------------------------------------------------


@dataclass(frozen=True)
class SharedQuestion:
    phase: str
    text: str
    answers: list[str]


def run_for_tutor(user, run_id) -> CourseRun:
    """A run where `user` teaches at least one session (a superuser: any run). Others: 404."""
    runs = CourseRun.objects.select_related("programme", "site")
    if not user.is_superuser:
        teaching = Session.objects.filter(run=OuterRef("pk")).filter(
            Q(lay_tutor__user=user) | Q(clinical_tutor__user=user)
        )
        runs = runs.filter(Exists(teaching))
    run = runs.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such course run.")
    return run


def shared_answers_for(run: CourseRun) -> list[SharedQuestion]:
    """The written answers the run's people agreed to share, grouped by question (before, then
    after, in the questionnaire's order) and sorted by their text, so that nobody's answers
    can be read together. One query."""
    answers: QuerySet = (
        Answer.objects.filter(
            response__in=shared_reflections_query(run).order_by().values("pk"),
            item__kind=ItemKind.FREE_TEXT,
        )
        .exclude(text__regex=r"^\s*$")
        .values_list("response__administration__phase", "item__position", "item__text", "text")
        .order_by("-response__administration__phase", "item__position", "item__text", "text")
    )
    questions = []
    for (phase, _position, text), rows in groupby(answers, key=lambda row: row[:3]):
        questions.append(
            SharedQuestion(
                phase=Phase(phase).label, text=text, answers=[row[3].strip() for row in rows]
            )
        )
    return questions


@require_GET
@role_required(*TUTOR_ROLES)
def run_reflections(request, run_id):
    run = run_for_tutor(request.user, run_id)
    return render(
        request,
        "courses/reflections/run.html",
        {
            "run": run,
            "questions": shared_answers_for(run),
            "empty_message": NO_SHARED_ANSWERS,
        },
    )
