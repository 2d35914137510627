"""Before-and-after reflections for the people who run the courses.

- A site's leads and administrators see the matched change per scale for the site (filtered by
  programme, run and period): figures only, and none at all for fewer than 5 people.
- A run's tutors read the written answers their group agreed to share: grouped by question,
  with no names and no dates, in an order that does not follow any one person.
- A site's programme leads choose, per programme, when a group's change has not lasted; see the
  runs that fell back and invite each group to a refresher in one action.
"""

from dataclasses import dataclass
from itertools import groupby

from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import Answer, ItemKind, Phase
from assessments.reflections.analysis import (
    MIN_MATCHED,
    ScaleChange,
    goal_change,
    matched_change,
)
from assessments.reflections.exports import export_log
from cms.forms import RowChoiceField
from cms.models import ProgrammePage
from cms.permissions import role_required
from cms.roles import LEADS_AND_ADMINISTRATORS, TUTOR_ROLES, Role
from cms.spreadsheets import write_csv, write_xlsx_sheets, write_zip
from courses import errors
from courses.common.forms import DateInputField, PeriodForm
from courses.errors import CoursesError
from courses.models import CourseRun, Session, Site
from courses.models.refreshers import HIGHEST_LOST_PERCENT, LOWEST_LOST_PERCENT
from courses.reflections import refreshers
from courses.reflections.administrations import responses_in_scope, shared_reflections_query
from courses.reflections.partnership import partnership_alert_at, partnership_alert_deal_with
from courses.reflections.report import (
    ANSWER_COLUMNS,
    GOAL_DOWNLOAD_COLUMNS,
    SESSION_FEEDBACK_COLUMNS,
    answer_cells,
    answers_for_sites,
    goal_cells,
    goals_for_sites,
    session_feedback_cells,
    session_feedback_for_sites,
)
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


def site_goal_change(site: Site, *, programme=None, run=None, since=None, until=None):
    """The site's change in people's own goals from before to after the course (four queries)."""
    responses = responses_in_scope(
        sites=Site.objects.filter(pk=site.pk),
        programme_id=programme.pk if programme else None,
        run_id=run.pk if run else None,
    )
    return goal_change(responses, submitted_from=since, submitted_until=until)


# --- the answers behind the results, as a download ------------------------------------------------

# Format: (label, content type, the file name's ending).
FILE_FORMATS = {
    "csv": (
        "CSV: a zip of three files, one for each sheet (they open in any spreadsheet program)",
        "application/zip",
        "zip",
    ),
    "xlsx": (
        "Excel: one workbook, a sheet each",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
}
CHOOSE_FORMAT = "Choose CSV or Excel."
ANSWERS_TITLE = "Reflection answers"
# The download's parts, in order: the sheets of the workbook, the files of the zip.
ANSWERS_SHEET, GOALS_SHEET, FEEDBACK_SHEET = "Answers", "Own goals", "Feedback after sessions"
ANSWERS_FILE, GOALS_FILE, FEEDBACK_FILE = "answers.csv", "goals.csv", "session-feedback.csv"


class AnswersDownloadForm(ReflectionFilterForm):
    """The results page's choices (programme and course run) and the file's format."""

    file_format = forms.ChoiceField(
        label="File format",
        choices=[(key, label) for key, (label, _type, _ending) in FILE_FORMATS.items()],
        widget=forms.RadioSelect,
        initial="csv",
        error_messages={"required": CHOOSE_FORMAT, "invalid_choice": CHOOSE_FORMAT},
    )
    # The results' choices travel with the form; its own dates are not part of a download.
    carried = ("programme", "run")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.period_fields:
            del self.fields[name]
        for name in self.carried:
            self.fields[name].widget = forms.HiddenInput()

    def clean(self):
        # The period's check has no dates to compare here; the programme and run still agree.
        programme, run = self.cleaned_data.get("programme"), self.cleaned_data.get("run")
        if programme and run and run.programme_id != programme.pk:
            self.add_error("run", RUN_NOT_OF_PROGRAMME)
        return self.cleaned_data

    def full_clean(self):
        super().full_clean()
        # A choice carried from the results page cannot be corrected here: say so above the form.
        for name in self.carried:
            for message in self._errors.pop(name, []):
                self.add_error(
                    None,
                    f"{self.fields[name].label}: {message} Choose again above, show the "
                    "results, then download.",
                )


def answers_filename(site: Site, file_format: str) -> str:
    ending = FILE_FORMATS[file_format][2]
    return f"reflection-answers-{site.slug}-{timezone.localdate():%Y-%m-%d}.{ending}"


@require_GET
@never_cache
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_reflection_answers(request, slug):
    """Every answer behind the site's results (for the programme and run chosen), with people's
    own goals and the trainees' feedback after each session: an Excel workbook of three sheets,
    or a zip of three CSV files. Bad choices go back to the results page with the form's errors
    (400)."""
    site = site_for_lead(request.user, slug)
    form = AnswersDownloadForm(request.GET, site=site)
    if not form.is_valid():
        return render(
            request,
            "courses/reflections/site.html",
            {
                **_results_context(
                    site, ReflectionFilterForm(site=site), site_matched_change(site)
                ),
                "download": form,
            },
            status=400,
        )
    data = form.cleaned_data
    chosen = {
        "programme_id": data["programme"].pk if data["programme"] else None,
        "run_id": data["run"].pk if data["run"] else None,
    }
    sites = Site.objects.filter(pk=site.pk)
    parts = [
        (
            ANSWERS_SHEET,
            ANSWERS_FILE,
            ANSWER_COLUMNS,
            [answer_cells(row) for row in answers_for_sites(sites, **chosen)],
        ),
        (
            GOALS_SHEET,
            GOALS_FILE,
            GOAL_DOWNLOAD_COLUMNS,
            [goal_cells(row) for row in goals_for_sites(sites, **chosen)],
        ),
        (
            FEEDBACK_SHEET,
            FEEDBACK_FILE,
            SESSION_FEEDBACK_COLUMNS,
            [session_feedback_cells(row) for row in session_feedback_for_sites(sites, **chosen)],
        ),
    ]
    file_format = data["file_format"]
    if file_format == "csv":
        content = write_zip(
            (name, write_csv(list(columns.values()), cells))
            for _sheet, name, columns, cells in parts
        )
    else:
        content = write_xlsx_sheets(
            (sheet, list(columns.values()), cells) for sheet, _name, columns, cells in parts
        )
    export_log(
        user=request.user,
        what=f"{ANSWERS_TITLE}: {site.name}",
        file_format=file_format,
        filters={
            "site": site.pk,
            **({"programme": data["programme"].pk} if data["programme"] else {}),
            **({"run": data["run"].pk} if data["run"] else {}),
        },
        row_count=sum(len(cells) for *_part, cells in parts),
    )
    response = HttpResponse(content, content_type=FILE_FORMATS[file_format][1])
    response["Content-Disposition"] = (
        f'attachment; filename="{answers_filename(site, file_format)}"'
    )
    return response


def _results_context(site, form, changes, *, programme=None) -> dict:
    return {
        "site": site,
        "form": form,
        "changes": changes,
        "filtered": form.is_bound,
        "download": AnswersDownloadForm(
            site=site,
            initial={
                "programme": programme.pk if programme else None,
                "run": form.cleaned_data.get("run").pk
                if form.is_bound and form.is_valid() and form.cleaned_data.get("run")
                else None,
            },
        ),
        "suppressed_message": SUPPRESSED,
        "shift_suppressed_message": SHIFT_SUPPRESSED,
        "empty_message": NO_PAIRS_FILTERED if form.is_bound else NO_PAIRS.format(site=site),
        "min_matched": MIN_MATCHED,
        "generated": max((change.generated or 0 for change in changes or []), default=0),
    }


@require_GET
@role_required(*LEADS_AND_ADMINISTRATORS)
def site_reflections(request, slug):
    site = site_for_lead(request.user, slug)
    form = ReflectionFilterForm(request.GET or None, site=site)
    changes: list[ScaleChange] | None = None
    goals = None
    programme = None
    if not form.is_bound:
        changes = site_matched_change(site)
        goals = site_goal_change(site)
    elif form.is_valid():
        data = form.cleaned_data
        programme = data["programme"]
        chosen = {
            "programme": programme,
            "run": data["run"],
            "since": data["submitted_from"],
            "until": data["submitted_until"],
        }
        changes = site_matched_change(site, **chosen)
        goals = site_goal_change(site, **chosen)
    return render(
        request,
        "courses/reflections/site.html",
        {**_results_context(site, form, changes, programme=programme), "goals": goals},
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


# --- a lead marks a partnership alert dealt with ---------------------------------------------------


@require_POST
@role_required(Role.PROGRAMME_LEAD)
def partnership_alert_dealt_with(request, slug, alert_id):
    """A lead of the site marks an alert about a sidelined lay tutor dealt with, and goes back
    to the page they came from (a path on this site) or the last session's feedback page."""
    site = site_for_lead(request.user, slug)
    alert = partnership_alert_at(site, alert_id)
    try:
        partnership_alert_deal_with(alert=alert, dealt_with_by=request.user)
    except CoursesError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, errors.PARTNERSHIP_DEALT_WITH.format(tutor=alert.lay_tutor.name))
    next_url = request.POST.get("next", "")
    # Only a path on this site: never another host.
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts=set()
    ):
        next_url = reverse("courses:session_feedback", args=[alert.last_session_id])
    return HttpResponseRedirect(next_url)


# --- refreshers: when a group's change has not lasted ------------------------------------------------


class RefresherThresholdsForm(forms.Form):
    """One whole percentage per programme: "Tell me when a group has lost at least 50% of its
    gain". The service checks the values again."""

    def __init__(self, *args, thresholds, **kwargs):
        super().__init__(*args, **kwargs)
        for programme, percent in thresholds:
            title = programme.title
            field = forms.IntegerField(
                label=f"{title}: tell me when a group has lost at least this percentage of "
                "its gain",
                help_text=f"A whole number from {LOWEST_LOST_PERCENT} to {HIGHEST_LOST_PERCENT}. "
                "50 means: when a follow-up finds the group halfway back to where it started.",
                min_value=LOWEST_LOST_PERCENT,
                max_value=HIGHEST_LOST_PERCENT,
                initial=percent,
                widget=forms.NumberInput(
                    attrs={"class": "nhsuk-input nhsuk-input--width-3", "inputmode": "numeric"}
                ),
            )
            range_message = errors.REFRESHER_PERCENT_RANGE.format(
                programme=title, low=LOWEST_LOST_PERCENT, high=HIGHEST_LOST_PERCENT
            )
            field.error_messages.update(
                required=errors.REFRESHER_PERCENT_REQUIRED.format(programme=title),
                invalid=errors.REFRESHER_PERCENT_NOT_WHOLE.format(programme=title),
                min_value=range_message,
                max_value=range_message,
            )
            field.messages_name_the_field = True
            field.programme_id = programme.pk
            self.fields[f"programme_{programme.pk}"] = field

    def percents(self) -> dict[int, int]:
        return {self.fields[name].programme_id: value for name, value in self.cleaned_data.items()}


class RefresherInviteForm(forms.Form):
    refresher = forms.TypedChoiceField(
        label="Which refresher?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": errors.REFRESHER_CHOOSE,
            "invalid_choice": errors.REFRESHER_CHOOSE,
        },
    )

    def __init__(self, *args, page: refreshers.RefresherPage, **kwargs):
        super().__init__(*args, **kwargs)
        invited = page.invited_to
        self.fields["refresher"].choices = [
            (run.pk, _refresher_label(run, invited.get(run.pk))) for run in page.refreshers
        ]
        self.fields["refresher"].messages_name_the_field = True


def _refresher_label(run: CourseRun, invitation) -> str:
    label = (
        f"{run.title}: {refreshers.when_of(run)}, {run.venue.name} "
        f"({run.places_left} place{'' if run.places_left == 1 else 's'} left)"
    )
    if invitation is not None:
        sent = date_format(timezone.localtime(invitation.sent_at), "j F Y")
        label += f". This group was invited on {sent}"
    return label


@require_http_methods(["GET", "POST"])
@role_required(Role.PROGRAMME_LEAD)
def site_refreshers(request, slug):
    """The site's runs whose change has not lasted, and when the leads are told, per programme."""
    site = site_for_lead(request.user, slug)
    form = RefresherThresholdsForm(
        request.POST if request.method == "POST" else None,
        thresholds=refreshers.thresholds_for(site),
    )
    if request.method == "POST" and form.is_valid():
        try:
            refreshers.refresher_thresholds_save(
                site=site, percents=form.percents(), changed_by=request.user
            )
        except refreshers.RefresherError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved when {site.name}'s leads are told.")
            return redirect("courses:site_refreshers", slug=site.slug)
    return render(
        request,
        "courses/reflections/refreshers.html",
        {
            "site": site,
            "form": form,
            "refresher_alerts": refreshers.refresher_alerts_for(request.user, site=site),
            "min_matched": MIN_MATCHED,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.PROGRAMME_LEAD)
def refresher(request, slug, alert_id):
    """A run whose change has not lasted: its figures, and inviting its group to a refresher."""
    site = site_for_lead(request.user, slug)
    page = refreshers.refresher_page_for(site=site, alert_id=alert_id)
    form = RefresherInviteForm(request.POST if request.method == "POST" else None, page=page)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = refreshers.refresher_invitation_send(
                alert=page.alert,
                refresher_id=form.cleaned_data["refresher"],
                sent_by=request.user,
            )
        except refreshers.RefresherError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, refreshers.invitation_sent_message(invitation))
            return redirect("courses:refresher", slug=site.slug, alert_id=page.alert.pk)
    return render(
        request,
        "courses/reflections/refresher.html",
        {"site": site, "page": page, "form": form, "min_matched": MIN_MATCHED},
        status=400 if form.errors else 200,
    )
