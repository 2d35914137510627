"""seed_scale: a synthetic national programme, consistent with the rules the real services keep,
recognisable as generated, and removable without touching anything else."""

import re
from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO
from statistics import fmean

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from assessments.models import (
    Administration,
    Answer,
    ExportLog,
    Goal,
    GoalRating,
    Phase,
    Response,
    ScaleScore,
)
from cms.models import LessonPage, ModulePage, ProgrammePage
from courses.demo.scale import (
    LEAD_EMAIL,
    ScaleError,
    scale_people,
    scale_remove,
    scale_seed,
    scale_sites,
)
from courses.models import (
    Accreditation,
    Attendance,
    Certificate,
    CohortFigures,
    CourseRun,
    Enrolment,
    LastingFigures,
    LessonProgress,
    Session,
    Site,
    SiteMembership,
    Tutor,
    Venue,
)
from courses.reflections.administrations import add_months, administrations_ensure_for_run
from tests.curricula_builders import PATIENT_SESSION, PROFESSIONAL_WORKSHOP, write
from tests.factories import CourseRunFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

ELEARNING_LESSON = "---\ntitle: {title}\nminutes: 10\nsummary: A short lesson.\n---\nSome text.\n"


def _module(title, *, format_line="", minutes=None, counterpart=None):
    return (
        f"---\ntitle: {title}\ntheme: communication\n{format_line}"
        + (f"counterpart: {counterpart}\n" if counterpart else "")
        + "lay_author: lay.tutor@example.com\nclinical_author: clinician@example.com\n"
        + (f"session_minutes: {minutes}\n" if minutes else "")
        + "summary: A module.\n---\nOverview.\n"
    )


@pytest.fixture
def curricula(tmp_path, home_page, authors):
    """The two real programmes (same slugs, so the real questionnaires load with them), cut
    down: two weekly sessions, two workshops and a two-lesson e-learning module."""
    from cms.curricula.files import parse_curricula
    from cms.curricula.loading import curricula_load

    root = tmp_path / "curricula"
    patients, professionals = "moving-on-together", "working-in-partnership"
    write(root, f"{patients}/programme.md", _programme("Moving on Together", "patient"))
    write(
        root, f"{professionals}/programme.md", _programme("Working in Partnership", "professional")
    )
    for number in (1, 2):
        week, workshop = (
            f"{patients}/0{number}-week-{number}",
            f"{professionals}/0{number}-workshop-{number}",
        )
        write(
            root, f"{week}/module.md", _module(f"Week {number}", minutes=30, counterpart=workshop)
        )
        write(root, f"{week}/01-session.md", PATIENT_SESSION)
        write(
            root,
            f"{workshop}/module.md",
            _module(f"Workshop {number}", minutes=15, counterpart=week),
        )
        write(root, f"{workshop}/01-workshop.md", PROFESSIONAL_WORKSHOP)
    preparing = f"{professionals}/03-preparing"
    write(root, f"{preparing}/module.md", _module("Preparing", format_line="format: e-learning\n"))
    for number in (1, 2):
        write(
            root,
            f"{preparing}/0{number}-lesson-{number}.md",
            ELEARNING_LESSON.format(title=f"Lesson {number}"),
        )
    curricula_load(programmes=parse_curricula(root))
    return {page.slug: page for page in ProgrammePage.objects.all()}


def _programme(title, track):
    return f"---\ntitle: {title}\ntrack: {track}\nsummary: A programme.\n---\nIntro.\n"


def test_the_generated_programme_keeps_the_rules(curricula):
    now = timezone.now()

    report = scale_seed(trainees=60, seed=3, now=now)

    trainees = scale_people().filter(groups__name="trainee")
    assert trainees.count() == 60
    assert not any(person.has_usable_password() for person in scale_people())
    sites = list(scale_sites().order_by("slug"))
    assert [(site.slug, site.name) for site in sites] == [
        ("scale-01", "Scale test site 01"),
        ("scale-02", "Scale test site 02"),
    ]
    assert report.rows["cms.User"] == scale_people().count()
    assert report.rows["courses.Attendance"] == Attendance.objects.count()
    assert all(Venue.objects.filter(site=site).exists() for site in sites)
    for kind in ("lay", "clinical"):
        assert all(Tutor.objects.filter(site=site, kind=kind).count() >= 3 for site in sites)
    assert Accreditation.objects.filter(expires_on__lte=now.date() + timedelta(days=90)).exists()
    lead = get_user_model().objects.get(email=LEAD_EMAIL)
    assert set(lead.site_memberships.values_list("site__slug", flat=True)) == {
        "scale-01",
        "scale-02",
    }
    # Each trainee belongs to the site of the run they enrolled on.
    for enrolment in Enrolment.objects.filter(run__isnull=False).select_related("run"):
        assert enrolment.site_id == enrolment.run.site_id
        assert SiteMembership.objects.filter(user=enrolment.trainee_id, site=enrolment.site_id)

    runs = list(CourseRun.objects.prefetch_related("sessions"))
    assert {run.programme.slug for run in runs} == set(curricula)
    for run in runs:
        sessions = sorted(run.sessions.all(), key=lambda session: session.number)
        assert [session.number for session in sessions] == list(range(1, 8))
        assert all(
            later.starts_at - earlier.starts_at in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=6, hours=23))
            for earlier, later in zip(sessions, sessions[1:], strict=False)
        )  # fmt: skip
        assert all(session.has_pair for session in sessions if session.starts_at <= now)
    starts = [
        (tutor, session.starts_at)
        for session in Session.objects.all()
        for tutor in (session.lay_tutor_id, session.clinical_tutor_id)
        if tutor is not None
    ]
    assert len(starts) == len(set(starts)), "a tutor is booked twice at the same time"
    first_starts = sorted(min(s.starts_at for s in run.sessions.all()) for run in runs)
    # Over the last 12 months and the next 3: finished, in progress, and to come.
    assert now - timedelta(days=366) < first_starts[0] < now < first_starts[-1]
    assert first_starts[-1] < now + timedelta(days=99)

    _assert_attendance_and_completion(now)
    _assert_reflections()
    _assert_elearning()


def _assert_attendance_and_completion(now):
    lines = defaultdict(dict)
    for line in Attendance.objects.all():
        lines[line.enrolment_id][line.session_id] = line.status
    enrolments = Enrolment.objects.filter(run__isnull=False).select_related("run")
    for enrolment in enrolments:
        run = enrolment.run
        started = set(run.sessions.filter(starts_at__lte=now).values_list("pk", flat=True))
        answering = enrolment.status in Enrolment.ON_THE_COURSE
        if answering and run.status != CourseRun.Status.CANCELLED:
            assert set(lines[enrolment.pk]) == started
        else:
            assert enrolment.pk not in lines
        present = Counter(lines[enrolment.pk].values())[Attendance.Status.PRESENT]
        last = run.sessions.order_by("-number").first()
        finished = last.ends_at <= now and run.status != CourseRun.Status.CANCELLED
        if enrolment.status == Enrolment.Status.COMPLETED:
            assert present >= run.completion_sessions
            assert enrolment.completed_at == last.ends_at
        elif enrolment.status == Enrolment.Status.BOOKED and finished:
            assert present < run.completion_sessions
    assert {status for by_session in lines.values() for status in by_session.values()} <= {
        "present",
        "absent",
        "apologies",
    }
    statuses = Counter(enrolments.values_list("status", flat=True))
    assert statuses[Enrolment.Status.BOOKED] + statuses[Enrolment.Status.COMPLETED] > 40
    # Nobody waits while a place is free.
    for run in CourseRun.objects.all():
        mine = Counter(run.enrolments.values_list("status", flat=True))
        if mine[Enrolment.Status.WAITLISTED]:
            assert mine[Enrolment.Status.BOOKED] + mine[Enrolment.Status.COMPLETED] == run.capacity


def _assert_reflections():
    run_type = ContentType.objects.get_for_model(CourseRun)
    for run in CourseRun.objects.all():
        surveys = Administration.objects.filter(target_type=run_type, target_id=run.pk)
        assert sorted(surveys.values_list("phase", "months")) == [
            ("after", 0),
            ("before", 0),
            ("follow_up", 3),
            ("follow_up", 6),
            ("follow_up", 12),
        ]
        version = (
            run.programme.instruments.get(purpose="reflection").versions.order_by("-number").first()
        )
        assert {survey.version_id for survey in surveys} == {version.pk}
    responses = Response.objects.select_related("administration")
    assert responses.exists()
    assert all(r.generated and r.status == Response.Status.SUBMITTED for r in responses)
    befores = {
        (r.respondent_id, r.administration.target_id): r
        for r in responses
        if r.administration.phase == Phase.BEFORE
    }
    afters = [r for r in responses if r.administration.phase == Phase.AFTER]
    assert afters and len(afters) < len(befores)
    for after in afters:
        before = befores[(after.respondent_id, after.administration.target_id)]
        assert before.submitted_at < after.submitted_at
        before_scores = dict(before.scores.values_list("scale_key", "score"))
        for score in after.scores.all():
            assert score.before_score == before_scores[score.scale_key]
    assert not ScaleScore.objects.filter(
        administration__phase=Phase.BEFORE, before_score__isnull=False
    ).exists()
    # Each score is the mean of the scale's rating answers, reverse-scored ones turned round;
    # the looking-back score likewise, where the scale asks looking back.
    for score in ScaleScore.objects.select_related("response"):
        values = {"rating": [], "retrospective": []}
        for answer in Answer.objects.filter(
            response=score.response, item__scale__key=score.scale_key
        ).select_related("item"):
            item = answer.item
            number = answer.number
            values[item.kind].append(
                item.lowest + item.highest - number if item.reverse_scored else number
            )
        assert score.score == pytest.approx(fmean(values["rating"]))
        if values["retrospective"]:
            assert score.retrospective_score == pytest.approx(fmean(values["retrospective"]))
        else:
            assert score.retrospective_score is None
    assert ScaleScore.objects.filter(retrospective_score__isnull=False).exists()
    _assert_follow_ups(responses)
    _assert_goals()


def _assert_follow_ups(responses):
    """Only people who completed answer a follow-up, after it opened, and each follow-up score
    carries the same person's before and after scores."""
    by_key = {(r.respondent_id, r.administration_id): r for r in responses}
    follow_ups = [r for r in responses if r.administration.phase == Phase.FOLLOW_UP]
    assert follow_ups
    for follow_up in follow_ups:
        survey = follow_up.administration
        run = CourseRun.objects.get(pk=survey.target_id)
        enrolment = Enrolment.objects.get(run=run, trainee=follow_up.respondent_id)
        assert enrolment.status == Enrolment.Status.COMPLETED
        last_end = run.sessions.order_by("-ends_at").first().ends_at
        assert follow_up.submitted_at >= add_months(last_end, survey.months)
        assert follow_up.submitted_at <= timezone.now()
        surveys = {
            a.phase: a.pk
            for a in Administration.objects.filter(
                target_type=survey.target_type, target_id=run.pk, months=0
            )
        }
        before = by_key[(follow_up.respondent_id, surveys[Phase.BEFORE])]
        after = by_key[(follow_up.respondent_id, surveys[Phase.AFTER])]
        before_scores = dict(before.scores.values_list("scale_key", "score"))
        after_scores = dict(after.scores.values_list("scale_key", "score"))
        for score in follow_up.scores.all():
            assert score.before_score == before_scores[score.scale_key]
            assert score.after_score == after_scores[score.scale_key]
        assert not follow_up.answers.filter(item__kind="retrospective").exists()


def _assert_goals():
    """Goals are written before, up to three, each rated; later ratings carry the before one."""
    goals = Goal.objects.select_related("response__administration")
    assert goals.exists()
    assert {goal.response.administration.phase for goal in goals} == {Phase.BEFORE}
    assert max(Counter(goals.values_list("response_id", flat=True)).values()) <= 3
    before = {
        rating.goal_id: rating.rating
        for rating in GoalRating.objects.filter(response_id=F("goal__response_id"))
    }
    assert set(before) == set(goals.values_list("pk", flat=True))
    later = GoalRating.objects.exclude(response_id=F("goal__response_id")).select_related(
        "response__administration", "goal__response"
    )
    assert later.exists()
    after = {
        rating.goal_id: rating.rating
        for rating in later
        if rating.response.administration_id and rating.response.administration.phase == Phase.AFTER
    }
    for rating in later:
        assert rating.before_rating == before[rating.goal_id]
        if rating.response.administration.phase == Phase.FOLLOW_UP:
            assert rating.after_rating == after.get(rating.goal_id)
        assert rating.response.respondent_id == rating.goal.response.respondent_id
    with_goals = Response.objects.filter(goals__isnull=False).distinct()
    assert not with_goals.filter(goals_shared="").exists()
    assert LastingFigures.objects.filter(goals=True).exists()
    assert LastingFigures.objects.filter(phase=Phase.FOLLOW_UP, goals=False).exists()


def _assert_elearning():
    module = ModulePage.objects.get(format="e-learning")
    lessons = set(LessonPage.objects.child_of(module).values_list("pk", flat=True))
    enrolments = Enrolment.objects.filter(module=module)
    assert enrolments.exists()
    assert not Enrolment.objects.filter(module=module, run__isnull=False).exists()
    for enrolment in enrolments:
        done = dict(enrolment.progress.values_list("lesson_id", "completed_at"))
        assert set(done) <= lessons
        assert all(enrolment.enrolled_at < moment for moment in done.values())
        if enrolment.status == Enrolment.Status.COMPLETED:
            assert set(done) == lessons
            assert enrolment.completed_at == max(done.values())
            assert Certificate.objects.get(enrolment=enrolment).issued_at == enrolment.completed_at
        else:
            assert not Certificate.objects.filter(enrolment=enrolment).exists()
    assert LessonProgress.objects.count() > 0


def _fingerprint():
    return (
        list(scale_people().order_by("email").values_list("email", "first_name", "last_name")),
        list(
            Enrolment.objects.order_by("trainee__email", "module", "run__title").values_list(
                "trainee__email", "status"
            )
        ),
        sorted(
            Attendance.objects.values_list("enrolment__trainee__email", "session__number", "status")
        ),
        sorted(ScaleScore.objects.values_list("response__respondent__email", "scale_key", "score")),
    )


def test_the_same_seed_makes_the_same_programme(curricula):
    now = timezone.now()
    scale_seed(trainees=30, seed=7, now=now)
    first = _fingerprint()
    scale_remove()
    scale_seed(trainees=30, seed=7, now=now)
    assert _fingerprint() == first
    scale_remove()
    scale_seed(trainees=30, seed=8, now=now)
    assert _fingerprint() != first


def _everything():
    return {
        model._meta.label: sorted(model.objects.values_list("pk", flat=True))
        for model in (
            get_user_model(),
            Site,
            SiteMembership,
            CourseRun,
            Session,
            Enrolment,
            Attendance,
            Administration,
            Response,
            ScaleScore,
            ExportLog,
        )
    }


def test_replace_removes_exactly_the_scale_data(curricula, riverside, people):
    # Demo-like data first: a run at Riverside with a booking, a register and a generated answer.
    run = CourseRunFactory(site=riverside, programme=curricula["moving-on-together"])
    session = SessionFactory(run=run, number=1)
    enrolment = Enrolment.objects.create(trainee=people["trainee"], run=run, site=riverside)
    Attendance.objects.create(session=session, enrolment=enrolment, status="present")
    before, _after = administrations_ensure_for_run(run=run)
    Response.objects.create(
        administration=before, respondent=people["trainee"], status="submitted", generated=True
    )
    UserFactory(email="scale.fan@example.com")  # looks like scale data, is not
    surveys = Administration.objects.count()  # the demo-like run's: before, after, follow-ups
    kept = _everything()

    scale_seed(trainees=60, seed=1)
    # The dashboard's figures are worked out for the new data at once.
    scale_runs = CourseRun.objects.filter(site__in=scale_sites()).exclude(status="cancelled")
    assert CohortFigures.objects.filter(run__in=scale_runs).count() == scale_runs.count() > 0
    # Something made later points at a generated person: it stays, without them.
    log = ExportLog.objects.create(
        exported_by=get_user_model().objects.get(email=LEAD_EMAIL), what="x", file_format="csv"
    )
    kept["assessments.ExportLog"].append(log.pk)
    report = scale_remove()

    assert _everything() == kept
    assert not scale_sites().exists() and not scale_people().exists()
    assert not Tutor.objects.exists()
    # Only the demo-like run is left in the figures.
    assert list(CohortFigures.objects.values_list("run", flat=True)) == [run.pk]
    assert ExportLog.objects.get(pk=log.pk).exported_by is None
    assert report.rows["cms.User"] == 60 + report.rows["courses.Tutor"] + 2
    # The generated run administrations went, the demo run's stayed.
    assert Administration.objects.count() == surveys


def test_one_trainee_is_enough_and_a_second_batch_is_refused(curricula):
    scale_seed(trainees=1)
    assert scale_people().filter(groups__name="trainee").count() == 1
    assert Enrolment.objects.filter(run__isnull=False).count() == 1

    with pytest.raises(ScaleError, match="already scale data \\(1 trainees\\).*remove it first"):
        scale_seed(trainees=20)
    assert scale_people().filter(groups__name="trainee").count() == 1


def run_command(*args):
    out = StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


def test_the_command_reports_rows_and_seconds_and_replaces_on_request(curricula):
    output = run_command("--trainees", "40", "--seed", "2")

    assert "Generated scale data for 40 trainees (seed 2)." in output
    assert "Seconds per step:" in output and "reflections" in output
    attendance = Attendance.objects.count()
    assert re.search(rf"^ +courses\.Attendance +{attendance:,}$", output, re.MULTILINE)
    assert "Total: " in output and LEAD_EMAIL in output

    with pytest.raises(CommandError, match="already scale data \\(40 trainees\\).*--replace"):
        run_command("--trainees", "10")

    output = run_command("--trainees", "10", "--replace")
    assert "Removed the earlier scale data" in output
    assert scale_people().filter(groups__name="trainee").count() == 10


@pytest.mark.parametrize("trainees", ["0", "-5", "1000001"])
def test_the_command_refuses_a_silly_number(curricula, trainees):
    with pytest.raises(CommandError, match="between 1 and 1,000,000"):
        run_command("--trainees", trainees)
    assert not scale_sites().exists()
