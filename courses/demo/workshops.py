"""Demo workshops for `setup_demo`: venues, a tutor pool, demo trainees and course runs in every
state a lead meets (open and full, with a waiting list, in progress, in planning with a gap).

Future runs are built through the services, so the demo obeys every rule. A run already in progress
is written directly: the services rightly refuse to schedule or book in the past.
"""

import random
from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import Administration, ItemKind, Phase, Response
from assessments.reflections.goals import goals_to_rate
from assessments.reflections.responses import items_asked, response_save
from cms.models import Audience, ProgrammePage
from cms.roles import Role
from cms.services import account_ensure
from courses.models import (
    Accreditation,
    Attendance,
    CourseRun,
    Enrolment,
    Session,
    Site,
    Tutor,
    TutorKind,
    Venue,
    WeeklyAvailability,
)
from courses.reflections.administrations import (
    RUN_MODEL,
    administrations_ensure_for_run,
    evaluating,
    follow_up_opens,
)
from courses.reflections.partnership import partnership_alerts_send_due
from courses.reflections.session_feedback import NOT_THERE, session_administrations_ensure
from courses.sites.services import site_membership_ensure
from courses.workshops import scheduling
from courses.workshops.teaching import apply_completion_rule

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def workshops_ensure(demo: dict, *, password: str) -> int:
    """Load the [[venues]], [[tutors]], [demo_trainees] and [[runs]] of the demo file. Returns the
    number of things created; a second run creates nothing."""
    sites = {site.slug: site for site in Site.objects.all()}
    changes = 0
    for entry in demo.get("venues", []):
        changes += _venue_ensure(sites, entry)
    for entry in demo.get("tutors", []):
        changes += _tutor_ensure(sites, entry, password)
    trainees = demo.get("demo_trainees")
    if trainees:
        professionals = set(trainees.get("professionals", []))
        for number, name in enumerate(trainees["names"], start=1):
            first_name, last_name = name.split(" ", 1)
            login = f"trainee{number:02d}"
            user, created = account_ensure(
                email=f"{login}@example.com",
                first_name=first_name,
                last_name=last_name,
                roles=[Role.TRAINEE],
                password=password,
                audience=Audience.PROFESSIONAL if login in professionals else Audience.CONDITION,
            )
            changes += created
            changes += site_membership_ensure(site=_site(sites, trainees["site"]), user=user)[1]
    for entry in demo.get("runs", []):
        changes += _run_ensure(sites, entry)
    return changes


def _site(sites, slug):
    if slug not in sites:
        raise CommandError(f"No site with slug {slug!r} in the demo file.")
    return sites[slug]


def _venue_ensure(sites, entry) -> bool:
    site = _site(sites, entry["site"])
    fields = {key: value for key, value in entry.items() if key not in {"site", "name"}}
    _, created = Venue.objects.update_or_create(site=site, name=entry["name"], defaults=fields)
    return created


def _tutor_ensure(sites, entry, password) -> bool:
    site = _site(sites, entry["site"])
    user = get_user_model().objects.filter(email=entry["email"]).first()
    kind = TutorKind(entry["kind"])
    role = Role.LAY_TUTOR if kind == TutorKind.LAY else Role.CLINICAL_TUTOR
    if user is None:
        user, _ = account_ensure(
            email=entry["email"],
            first_name=entry["first_name"],
            last_name=entry["last_name"],
            roles=[role],
            password=password,
        )
        site_membership_ensure(site=site, user=user)
    tutor, created = Tutor.objects.get_or_create(
        user=user, defaults={"site": site, "kind": kind, "monthly_cap": 10}
    )
    if created:
        for weekday in range(5):
            WeeklyAvailability.objects.create(
                tutor=tutor, weekday=weekday, starts_at=time(9, 0), ends_at=time(21, 0)
            )
        today = timezone.localdate()
        for programme in ProgrammePage.objects.live():
            Accreditation.objects.create(
                tutor=tutor,
                programme=programme,
                accredited_on=today - timedelta(days=400),
                expires_on=today + timedelta(days=730),
            )
    return created


def first_date(entry):
    """The day of a [[runs]] entry's first session, and its weekday (0 = Monday), from today."""
    today = timezone.localdate()
    weekday = WEEKDAYS.index(entry["weekday"])
    start = today + timedelta(weeks=entry["first_session_in_weeks"])
    return start + timedelta(days=(weekday - start.weekday()) % 7), weekday


def demo_run(name: str) -> CourseRun | None:
    """The demo's run called `name` in the demo file (its title adds the month it starts)."""
    return CourseRun.objects.filter(title__startswith=f"{name}, from ").first()


def run_title(entry) -> str:
    """The title of a [[runs]] entry's run, named from its real dates: its name and the month
    its first session is in ("Moving on Together, Riverside Library, Monday mornings, from
    January 2027")."""
    return f"{entry['name']}, from {date_format(first_date(entry)[0], 'F Y')}"


def _run_ensure(sites, entry) -> bool:
    if demo_run(entry["name"]) is not None:
        return False
    site = _site(sites, entry["site"])
    venue = Venue.objects.get(site=site, name=entry["venue"])
    programme = ProgrammePage.objects.live().filter(slug=entry["programme"]).first()
    if programme is None:
        raise CommandError(f"{entry['title']}: no live programme {entry['programme']!r}.")
    tutors = {kind: Tutor.objects.get(user__email=entry[kind]) for kind in ("lay", "clinical")}
    first_day, weekday = first_date(entry)
    hour, minute = (int(part) for part in entry["start_time"].split(":"))
    settings = {
        "site": site,
        "programme_id": programme.pk,
        "venue_id": venue.pk,
        "title": run_title(entry),
        "weekday": weekday,
        "start_time": time(hour, minute),
        "session_minutes": entry["minutes"],
        "session_count": entry["sessions"],
        "capacity": entry["capacity"],
        "minimum_group": entry["minimum_group"],
        "completion_sessions": entry["completion_sessions"],
    }
    if first_day >= timezone.localdate():
        run = scheduling.run_create(first_date=first_day, **settings)
        paired = entry.get("paired_sessions", entry["sessions"])
        for session in run.sessions.order_by("number")[:paired]:
            for kind, tutor in tutors.items():
                scheduling.session_assign(session=session, tutor_id=tutor.pk, kind=kind)
        if entry.get("open"):
            scheduling.run_open(run=run)
    else:
        run = _run_in_progress(first_day, tutors, settings, programme, venue)
    _bookings_ensure(run, entry)
    return True


def _run_in_progress(first_date, tutors, settings, programme, venue):
    run = CourseRun.objects.create(
        programme=programme,
        site=settings["site"],
        venue=venue,
        title=settings["title"],
        capacity=settings["capacity"],
        minimum_group=settings["minimum_group"],
        completion_sessions=settings["completion_sessions"],
        status=CourseRun.Status.OPEN,
        opened_at=timezone.now() - timedelta(weeks=6),
    )
    days = [first_date + timedelta(weeks=week) for week in range(settings["session_count"])]
    Session.objects.bulk_create(
        scheduling.session_rows(
            run=run,
            days=days,
            start_time=settings["start_time"],
            session_minutes=settings["session_minutes"],
            lay_tutor=tutors["lay"],
            clinical_tutor=tutors["clinical"],
        )
    )
    return run


def _bookings_ensure(run, entry):
    names = [*entry.get("booked", []), *entry.get("waitlisted", [])]
    users = {
        user.email: user
        for user in get_user_model().objects.filter(email__in=[f"{n}@example.com" for n in names])
    }
    started = timezone.now() - timedelta(days=30)
    first = run.sessions.order_by("starts_at").first()
    if first is not None:
        # Everyone booked a fortnight or more before the course began.
        started = min(started, first.starts_at - timedelta(days=14))
    order = 0
    enrolments = {}
    for status, names in (
        (Enrolment.Status.BOOKED, entry.get("booked", [])),
        (Enrolment.Status.WAITLISTED, entry.get("waitlisted", [])),
    ):
        for name in names:
            order += 1
            enrolments[name] = Enrolment.objects.create(
                trainee=users[f"{name}@example.com"],
                run=run,
                site=run.site,
                status=status,
                enrolled_at=started + timedelta(hours=order),
            )
    marked = entry.get("registers_marked", [])
    for session in run.sessions.filter(number__in=marked):
        absent = set(entry.get("absent", {}).get(str(session.number), []))
        apologies = set(entry.get("apologies", {}).get(str(session.number), []))
        lines = []
        for name, enrolment in enrolments.items():
            if enrolment.status != Enrolment.Status.BOOKED:
                continue
            status = Attendance.Status.PRESENT
            if name in absent:
                status = Attendance.Status.ABSENT
            elif name in apologies:
                status = Attendance.Status.APOLOGIES
            lines.append(Attendance(session=session, enrolment=enrolment, status=status))
        Attendance.objects.bulk_create(lines)
    if entry.get("completed"):
        _completions_ensure(run)


def _completions_ensure(run):
    """Those who came to enough sessions of a finished run completed it when it ended: the
    registers' own completion rule, applied at the last session's end."""

    last = run.sessions.order_by("-ends_at").first()
    apply_completion_rule(
        run=run,
        enrolment_ids=list(run.enrolments.values_list("pk", flat=True)),
        now=last.ends_at,
    )


# --- made-up reflections ---------------------------------------------------------------------

DEMO_WRITTEN = [
    "I write my questions down before an appointment now, and I ask them.",
    "Hearing the others made me feel less alone with my condition.",
    "I set myself a small goal each week and tell the nurse how it went.",
    "It was good to see the two tutors working as equals.",
    "I still find it hard to speak up when the doctor is in a hurry.",
    "I feel more in charge of my own health than I did.",
    "Agreeing at the start what we would talk about made my last review much better.",
]


DEMO_GOALS = [
    "Walk to the shops without stopping",
    "Sleep through the night more often",
    "Go back to my singing group",
    "Ask my doctor what the options are before agreeing",
    "Cook a proper meal twice a week",
    "Get out in the garden again",
    "Manage my pain without giving up what I enjoy",
    "Say what matters to me at my next review",
]


DEMO_HELPED = [
    "Setting a small step each week",
    "Talking it through with the group",
    "My daughter coming with me",
    "Writing it on the calendar",
]


def _made_up_goals(chance) -> dict[str, str]:
    """One to three goals, each with where the person is now (2 to 5 out of 10)."""
    posted = {"goals_shared": chance.choice(["no", "anonymous", "named"])}
    for number, text in enumerate(chance.sample(DEMO_GOALS, chance.randint(1, 3)), start=1):
        posted[f"goal-{number}-text"] = text
        posted[f"goal-{number}-rating"] = str(chance.randint(2, 5))
    return posted


def _made_up_goal_ratings(person, after, chance, *, slip=False) -> dict[str, str]:
    """The person's goals rated again: most up by 0 to 5 points (at a follow-up, `slip`: by a
    point or so less, and now and then what helped), now and then one no longer important."""
    posted = {}
    for goal in goals_to_rate(after, person):
        if chance.random() < 0.1:
            posted[f"goal-{goal.pk}-dropped"] = "yes"
        else:
            gain = chance.choice([0, 1, 2, 3, 3, 4, 5]) - (
                chance.choice([0, 1, 1, 2]) if slip else 0
            )
            rating = min(10, max(0, (goal.before_rating or 0) + gain))
            posted[f"goal-{goal.pk}-rating"] = str(rating)
            # Only at a follow-up, so the after answers stay as they were made before.
            if slip and chance.random() < 0.4:
                posted[f"goal-{goal.pk}-helped"] = chance.choice(DEMO_HELPED)
    return posted


def reflections_ensure(demo: dict) -> int:
    """Made-up answers for each [[generated_reflections]] run, given through the same service
    trainees use (at a moment inside each survey's window) and marked generated: before, after
    and, for `follow_ups` (months = how many people), the follow-ups. Returns how many were
    made; a second run makes none."""

    made = 0
    for entry in demo.get("generated_reflections", []):
        run = demo_run(entry["run"])
        if run is None:
            raise CommandError(f"[[generated_reflections]]: no run called {entry['run']!r}.")
        surveys = administrations_ensure_for_run(run=run)
        if not surveys or Response.objects.filter(administration__in=surveys).exists():
            continue
        before, after = surveys
        sessions = list(run.sessions.order_by("starts_at"))
        people = [
            enrolment.trainee
            for enrolment in run.enrolments.on_the_course()
            .select_related("trainee")
            .order_by("enrolled_at", "pk")
        ]
        chance = random.Random(entry.get("seed", 1))  # noqa: S311 - made-up answers, not secrets
        levels = {}
        for person in people[: entry.get("before", 0)]:
            levels[person.pk] = {
                scale.key: chance.randint(2, 6) for scale in before.version.scales.all()
            }
            response_save(
                administration_id=before.pk,
                respondent=person,
                answers=_made_up_answers(items_asked(before), levels[person.pk], chance),
                share_with_tutors=chance.random() < 0.7,
                goals=_made_up_goals(chance),
                submit=True,
                now=sessions[0].starts_at - timedelta(days=3),
                generated=True,
            )
            made += 1
        after_levels = {}
        for person in people[: entry.get("after", 0)]:
            was = levels.get(person.pk, {})
            now_levels = {
                key: min(10, level + chance.choice([0, 1, 2, 2, 3, 3, 4]))
                for key, level in was.items()
            }
            after_levels[person.pk] = now_levels
            # Looking back, people often rate their old selves lower than they did at the time.
            back_then = {
                key: max(0, level - chance.choice([0, 1, 1, 2])) for key, level in was.items()
            }
            response_save(
                administration_id=after.pk,
                respondent=person,
                answers=_made_up_answers(items_asked(after), now_levels, chance, back_then),
                share_with_tutors=chance.random() < 0.7,
                goals=_made_up_goal_ratings(person, after, chance),
                submit=True,
                now=min(timezone.now(), sessions[-1].starts_at + timedelta(days=2)),
                generated=True,
            )
            made += 1
        made += _follow_ups_answered(run, entry, people, after_levels, sessions[-1], chance)
    return made


def _follow_ups_answered(run, entry, people, after_levels, last_session, chance) -> int:
    """The first people who completed the course answer each follow-up of `follow_ups` (its
    months = how many people), a few days after it opened: most keep what they gained, some slip
    back a little."""
    made = 0
    completed = set(run.enrolments.filter(status="completed").values_list("trainee_id", flat=True))
    for months, count in sorted(
        ((int(months), count) for months, count in entry.get("follow_ups", {}).items())
    ):
        survey = Administration.objects.filter(
            evaluating(RUN_MODEL), target_id=run.pk, phase=Phase.FOLLOW_UP, months=months
        ).first()
        if survey is None:
            raise CommandError(
                f"[[generated_reflections]] {entry['run']!r}: the programme has no follow-up "
                f"at {months} months."
            )
        answered_on = follow_up_opens(survey, last_session.ends_at) + timedelta(days=3)
        if answered_on >= timezone.now():
            continue  # not open yet: nobody could have answered it
        for person in [p for p in people if p.pk in completed][:count]:
            kept = {
                key: max(0, level - chance.choice([0, 0, 0, 1, 1, 2]))
                for key, level in after_levels.get(person.pk, {}).items()
            }
            response_save(
                administration_id=survey.pk,
                respondent=person,
                answers=_made_up_answers(items_asked(survey), kept, chance),
                share_with_tutors=chance.random() < 0.7,
                goals=_made_up_goal_ratings(person, survey, chance, slip=True),
                submit=True,
                now=answered_on,
                generated=True,
            )
            made += 1
    return made


# --- made-up feedback after each session --------------------------------------------------------

DEMO_MATTERED = [
    "Hearing how the others manage a bad day.",
    "Being listened to without being rushed.",
    "Writing down what I want to ask at my next appointment.",
    "The tutors sharing their own stories.",
    "Trying the importance and confidence scales on my own goal.",
    "Realising I am not the only one who finds this hard.",
]
DEMO_ONE_THING = [
    "Take my list of questions to the GP.",
    "Walk round the block after lunch.",
    "Tell my family what I am trying to change.",
    "Rate my confidence each evening.",
    "Ask the nurse what the options are.",
]
DEMO_CHANGE = [
    "More time for the group to talk in pairs.",
    "Start the goal-setting activity earlier.",
    "A shorter break so we finish on time.",
]
DEMO_FOR_THE_LEAD = [
    "I led very little today: the plan gave most activities to my co-tutor and we ran out of "
    "time to swap.",
    "My co-tutor did nearly all the talking again; we should look at the plan together.",
]

# Ratings of "how much of the leading": 2 is "Less than half", 3 "About half", 4 "More than half".
LESS_THAN_HALF, ABOUT_HALF, MORE_THAN_HALF = 2, 3, 4


def session_feedback_ensure(demo: dict) -> int:
    """Made-up feedback and tutors' debriefs for the ended sessions of each
    [[generated_session_feedback]] run, through the same service people use (a few hours after
    each session) and marked generated. From session `low_lay_share_from`, both tutors say the
    lay tutor led less than half. Returns how many were made; a second run makes none."""
    made = 0
    for entry in demo.get("generated_session_feedback", []):
        run = demo_run(entry["run"])
        if run is None:
            raise CommandError(f"[[generated_session_feedback]]: no run called {entry['run']!r}.")
        chance = random.Random(entry.get("seed", 1))  # noqa: S311 - made-up answers, not secrets
        low_from = entry.get("low_lay_share_from")
        sessions = run.sessions.filter(ends_at__lte=timezone.now()).select_related(
            "lay_tutor__user", "clinical_tutor__user"
        )
        enrolments = list(run.enrolments.on_the_course().select_related("trainee"))
        for session in sessions.order_by("starts_at"):
            surveys = session_administrations_ensure(session=session)
            if not surveys or Response.objects.filter(administration__in=surveys).exists():
                continue
            answered_at = session.ends_at + timedelta(hours=3)
            not_there = set(
                session.attendance.filter(status__in=NOT_THERE).values_list(
                    "enrolment_id", flat=True
                )
            )
            sidelined = low_from is not None and session.number >= low_from
            for survey in surveys:
                if survey.phase == Phase.SESSION:
                    for enrolment in enrolments:
                        if enrolment.pk in not_there or chance.random() < 0.2:
                            continue  # not there, or did not answer
                        response_save(
                            administration_id=survey.pk,
                            respondent=enrolment.trainee,
                            answers=_made_up_feedback(items_asked(survey), chance),
                            share_with_tutors=chance.random() < 0.7,
                            submit=True,
                            now=answered_at,
                            generated=True,
                        )
                        made += 1
                else:
                    for tutor in (session.lay_tutor, session.clinical_tutor):
                        if tutor is None:
                            continue
                        response_save(
                            administration_id=survey.pk,
                            respondent=tutor.user,
                            answers=_made_up_debrief(
                                items_asked(survey),
                                lay=tutor.pk == session.lay_tutor_id,
                                sidelined=sidelined,
                                chance=chance,
                            ),
                            share_with_tutors=True,
                            submit=True,
                            now=answered_at,
                            generated=True,
                        )
                        made += 1
    return made


def _made_up_feedback(items, chance) -> dict[str, str]:
    answers = {}
    for item in items:
        if item.kind == ItemKind.RATING:
            answers[str(item.pk)] = str(chance.choice([3, 4, 4, 5, 5]))
        elif item.kind == ItemKind.FREE_TEXT and chance.random() < 0.8:
            words = DEMO_ONE_THING if item.key == "one-thing" else DEMO_MATTERED
            answers[str(item.pk)] = chance.choice(words)
    return answers


def _made_up_debrief(items, *, lay: bool, sidelined: bool, chance) -> dict[str, str]:
    """A tutor's debrief: their own share of the leading and their co-tutor's. In a sidelined
    session both say the lay tutor led less than half (the lay tutor's own share, the clinical
    tutor's co-tutor share); otherwise about half, now and then a little more or less."""
    if sidelined:
        lay_share = LESS_THAN_HALF
    else:
        lay_share = chance.choice([ABOUT_HALF, ABOUT_HALF, ABOUT_HALF, MORE_THAN_HALF])
    clinical_share = 6 - lay_share  # the two shares add up: 2 and 4, 3 and 3
    shares = {
        "own-share": lay_share if lay else clinical_share,
        "co-tutor-share": clinical_share if lay else lay_share,
    }
    answers = {}
    for item in items:
        if item.key in shares:
            answers[str(item.pk)] = str(shares[item.key])
        elif item.key == "change" and chance.random() < 0.5:
            answers[str(item.pk)] = chance.choice(DEMO_CHANGE)
        elif item.key == "for-the-lead" and sidelined and lay:
            answers[str(item.pk)] = chance.choice(DEMO_FOR_THE_LEAD)
    return answers


def _made_up_answers(items, levels, chance, back_then=None) -> dict[str, str]:
    """A value for every item from the person's level on its scale (0 to 10), spread onto the
    item's own points and turned round for reverse-scored items."""

    answers = {}
    for item in items:
        if item.kind == ItemKind.GOALS:  # answered through their own fields
            continue
        if item.kind == ItemKind.FREE_TEXT:
            answers[str(item.pk)] = chance.choice(DEMO_WRITTEN)
        elif item.kind == ItemKind.CHOICE:
            answers[str(item.pk)] = chance.choice(item.options)["value"]
        else:
            source = back_then if item.kind == ItemKind.RETROSPECTIVE and back_then else levels
            level = min(10, max(0, source.get(item.scale.key, 5) + chance.choice([-1, 0, 0, 1])))
            low, high = item.lowest, item.highest
            value = low + round(level * (high - low) / 10)
            if item.reverse_scored:
                value = low + high - value
            answers[str(item.pk)] = str(value)
    return answers


def partnership_alerts_ensure(demo: dict) -> int:
    """The alerts about a sidelined lay tutor that the scheduler would have made the day after
    each [[generated_session_feedback]] run with low shares ended (it looks at sessions just
    ended only). The site's leads are emailed as they would have been. Returns how many alerts
    were made; a second run makes none."""
    made = 0
    for entry in demo.get("generated_session_feedback", []):
        run = demo_run(entry["run"])
        if run is None or entry.get("low_lay_share_from") is None:
            continue
        last = run.sessions.filter(ends_at__lte=timezone.now()).order_by("-ends_at").first()
        if last is not None:
            made += partnership_alerts_send_due(now=last.ends_at + timedelta(days=1))
    return made
