"""What matters to you, from booking to the 3-month follow-up, in a real browser.

A patient on a phone (375 px) books a place on a course, writes two goals in her own words and
shares them without her name; the course's lay tutor finds them on the session plan. After the
first session she answers the one-minute feedback form from the email it sends, and the tutor
reads it, without her name, on the session's feedback page. When the course is over she rates
her goals again in the after reflection, and three months later answers the follow-up. The lead
adds a goal theme, which the tutor tags her first goal with on the plan. The lead of the site sees, on the dashboard's "Does it last?", that fewer than 5 people is not shown, and
the figures once a fifth person has answered. Every page is checked with axe-core.

The journey has a site of its own (Northfield), made on the live site's database with its lead,
two tutors, the patient, four other people and a course of three sessions, so no other journey's
figures move. Time cannot pass in a browser test: the test moves the course's sessions into the
past on the live database, as a clock moved by a test would, and runs the scheduler's steps for
them (the session feedback email, the registers through the registers' own service).
"""

import os
import re

import pytest
from playwright.sync_api import expect

from .sites import JourneySite, journey_site_make
from .test_booking_journey import main
from .test_journeys import DEMO_TOTP_SECRET, check, link_from_email, sign_in, sign_out
from .test_trainee_journey import on_the_site, result_of

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
PATIENT = "northfield.patient@example.com"
LAY = "northfield.lay@example.com"
LEAD = "northfield.lead@example.com"
OTHERS = [f"northfield.person{number}@example.com" for number in range(1, 5)]
TITLE = "Moving on Together, Northfield Library, Wednesday afternoons"
GOALS = ("Walk to the shops without stopping", "Sleep through the night")
THEME = "Getting out and about"

SITE = JourneySite(
    name="Northfield",
    lead=(LEAD, "Fiona"),
    lay=(LAY, "Nina"),
    clinician=("northfield.clinician@example.com", "Omar"),
    trainees=[(PATIENT, "Jess")] + [(email, f"Person{n}") for n, email in enumerate(OTHERS, 1)],
    title=TITLE,
    weekday=2,  # Wednesday afternoons
    start="14:00",
    minutes=120,
    capacity=10,
)

# The course's sessions moved back by whole days so that session `ended` (1, 2, 3) ended between
# `ago` and `ago` + 1 days back; the register of every session that has ended
# marked present for everyone booked; then the scheduler's session feedback step.
MOVE = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from courses.models import Attendance, CourseRun
from courses.reflections.session_feedback import (
    session_administrations_ensure_due, session_feedback_send_due)
from courses.workshops.teaching import attendance_mark

run = CourseRun.objects.get(pk={run})
sessions = list(run.sessions.order_by("starts_at"))
now = timezone.now()
# Whole days, so each session keeps its time of day (in UTC).
shift = timedelta(days=(sessions[{ended} - 1].ends_at - now).days + 1 + {ago})
for session in sessions:
    session.starts_at -= shift
    session.ends_at -= shift
    session.save(update_fields=["starts_at", "ends_at"])
tutor = get_user_model().objects.get(email={lay!r})
for session in sessions:
    if session.ends_at <= now and not session.attendance.exists():
        booked = run.enrolments.on_the_course()
        attendance_mark(session=session, marks={{e.pk: Attendance.Status.PRESENT for e in booked}},
                        marked_by=tutor, unmarked_confirmed=True)
made = session_administrations_ensure_due(now=now)
sent = session_feedback_send_due(now=now)
print("RESULT", json.dumps({{"first": sessions[0].pk, "made": made, "sent": sent}}))
"""

# Four more people on the course, each with answers before, after and at 3 months (made up,
# marked generated, through the service trainees use), then the dashboard's figures again.
FOUR_MORE = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from assessments.models import Administration, Phase
from assessments.reflections.goals import goals_to_rate
from assessments.reflections.responses import items_asked, response_save
from courses.dashboard.figures import figures_refresh
from courses.models import CourseRun, Enrolment

run = CourseRun.objects.get(pk={run})
sessions = list(run.sessions.order_by("starts_at"))
surveys = {{(a.phase, a.months): a for a in Administration.objects.filter(
    target_id=run.pk, target_type__model="courserun")}}
def answers(administration, level):
    posted = {{}}
    for item in items_asked(administration):
        if item.kind == "goals":
            continue
        if item.kind == "free_text":
            posted[str(item.pk)] = "It helped."
        elif item.kind == "choice":
            posted[str(item.pk)] = item.options[0]["value"]
        else:
            posted[str(item.pk)] = str(item.lowest + round(level * (item.highest - item.lowest) / 10))
    return posted
for number, email in enumerate({others!r}):
    person = get_user_model().objects.get(email=email)
    enrolment = Enrolment.objects.create(trainee=person, run=run, site=run.site,
                                         status=Enrolment.Status.COMPLETED,
                                         completed_at=sessions[-1].ends_at)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        enrolled_at=sessions[0].starts_at - timedelta(days=10))
    before = surveys[Phase.BEFORE, 0]
    response_save(administration_id=before.pk, respondent=person, answers=answers(before, 3),
                  share_with_tutors=False, submit=True, generated=True,
                  goals={{"goals_shared": "no", "goal-1-text": "Get back to the allotment",
                         "goal-1-rating": str(2 + number)}},
                  now=sessions[0].starts_at - timedelta(days=2))
    for (phase, months), when, rating in (((Phase.AFTER, 0), sessions[-1].ends_at + timedelta(hours=2), 6 + number),
                                          ((Phase.FOLLOW_UP, 3), None, 5 + number)):
        survey = surveys[phase, months]
        goal = goals_to_rate(survey, person)[0]
        response_save(administration_id=survey.pk, respondent=person,
                      answers=answers(survey, 6), share_with_tutors=False, submit=True,
                      generated=True, goals={{f"goal-{{goal.pk}}-rating": str(rating)}},
                      now=when or timezone.now())
figures_refresh()
print("RESULT", json.dumps({{"people": len({others!r})}}))
"""


def answer_every_scale(page):
    """The middle of every scale of a reflection form that is not answered yet."""
    for group in main(page).locator("form > .nhsuk-form-group > fieldset").all():
        options = group.locator("input[type=radio]")
        if options.count() and not group.locator("input:checked").count():
            options.nth(options.count() // 2).check()


@pytest.mark.skipif("E2E_DATABASE_URL" not in os.environ, reason="needs tests/e2e/run.sh")
def test_goals_from_booking_to_the_three_month_follow_up(
    new_page, screenshot, base_url, mail_dir, demo_password
):
    common = {"password": demo_password, "lay": LAY, "others": OTHERS}
    run = journey_site_make(SITE, password=demo_password, secret=DEMO_TOTP_SECRET)["run"]

    # 1. The patient books and writes two goals, shared without her name.
    page = new_page(viewport=PHONE)
    sign_in(page, PATIENT, demo_password)
    page.goto(f"/courses/{run}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    main(page).get_by_role("button", name="Book a place").click()
    terms = main(page).get_by_label("I agree to the booking terms")
    if terms.count():
        terms.check()
    main(page).get_by_role("button", name="Book my place").click()
    expect(page.get_by_text(f"You have a place on {TITLE}.")).to_be_visible()
    asked = main(page).locator("#before-reflection")
    expect(asked).to_contain_text("write up to 3 goals of your own")
    check(page, screenshot, "what-matters-booked")
    asked.get_by_role("link").click()
    goals = main(page).locator(".app-goals")
    for number, (text, rating) in enumerate(zip(GOALS, ("3", "2"), strict=True), start=1):
        goals.get_by_label(f"Your goal {number}, in your own words").fill(text)
        goals.locator(".nhsuk-card").nth(number - 1).get_by_label(rating, exact=True).check()
    goals.get_by_label("Yes, without my name").check()
    answer_every_scale(page)
    check(page, screenshot, "what-matters-before")
    main(page).get_by_role("button", name="Send your answers").click()
    expect(page.get_by_text("Thank you. Your answers have been sent.")).to_be_visible()
    sign_out(page)

    # 2. The lead adds a theme to the programme's list (leads never see the goals' words)...
    lead = new_page()
    sign_in(lead, LEAD, demo_password, totp_secret=DEMO_TOTP_SECRET)
    lead.goto("/programme/goal-themes/")
    main(lead).get_by_role("link", name=re.compile(r"^Moving on Together")).click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Goal themes")
    main(lead).get_by_label("Name of the theme").fill(THEME)
    main(lead).get_by_role("button", name="Add the theme").click()
    expect(lead.get_by_text(f"The theme “{THEME}” is added to Moving on Together.")).to_be_visible()
    check(lead, screenshot, "what-matters-goal-themes")

    # ...and the lay tutor sees the goals on the plan of the first session, without her name,
    # and tags one with it.
    tutor = new_page()
    sign_in(tutor, LAY, demo_password)
    tutor.goto("/teach/")
    tutor.get_by_role(
        "link", name=re.compile(rf"^Session plan for {re.escape(TITLE)}, .*session 1$")
    ).first.click()
    shared = tutor.get_by_role("main").locator("#group-goals + p + ul")
    for text in GOALS:
        expect(shared).to_contain_text(text)
    expect(shared).not_to_contain_text("Jess")
    walk = shared.get_by_role("listitem").filter(has_text=GOALS[0])
    walk.get_by_label(re.compile("^Theme")).select_option(label=THEME)
    walk.get_by_role("button", name=re.compile("^Save")).click()
    expect(tutor.get_by_text(f"Saved: “{GOALS[0]}” has the theme {THEME}.")).to_be_visible()
    check(tutor, screenshot, "what-matters-plan")

    # 3. The first session took place yesterday: its feedback form reaches her by email.
    moved = result_of(on_the_site(MOVE.format(run=run, ended=1, ago=1, **common)))
    assert moved["sent"] >= 1
    form_url = link_from_email(mail_dir, PATIENT, re.escape(base_url) + r"/reflections/[^\s]+")
    sign_in(page, PATIENT, demo_password)
    page.goto(form_url)
    expect(main(page).get_by_text("How welcome did you feel today?")).to_be_visible()
    main(page).get_by_label("What mattered to you today?").fill("Hearing how others pace the day")
    main(page).get_by_label("One thing you will try").fill("A short walk after lunch")
    main(page).get_by_label("Yes", exact=True).check()  # tutors may read what she wrote
    answer_every_scale(page)
    check(page, screenshot, "what-matters-session-feedback")
    main(page).get_by_role("button", name="Send your answers").click()
    expect(page.get_by_text("Thank you. Your answers have been sent.")).to_be_visible()

    tutor.goto(f"/teach/sessions/{moved['first']}/feedback/")
    expect(tutor.get_by_role("heading", level=1)).to_have_text("Feedback from session 1")
    expect(main(tutor).get_by_text("Hearing how others pace the day")).to_be_visible()
    expect(main(tutor)).not_to_contain_text("Jess")
    check(tutor, screenshot, "what-matters-feedback-page")
    sign_out(tutor)

    # 4. The course ended yesterday: she rates her goals again in the after reflection.
    on_the_site(MOVE.format(run=run, ended=3, ago=1, **common))
    page.goto("/reflections/")
    main(page).get_by_role("link", name=re.compile(r"after", re.IGNORECASE)).first.click()
    goals = main(page).locator(".app-goals")
    expect(goals).to_contain_text(GOALS[0])
    cards = goals.locator(".nhsuk-card")
    cards.nth(0).get_by_label("6", exact=True).check()
    cards.nth(1).get_by_label("5", exact=True).check()
    answer_every_scale(page)
    check(page, screenshot, "what-matters-after")
    main(page).get_by_role("button", name="Send your answers").click()
    expect(page.get_by_text("Thank you. Your answers have been sent.")).to_be_visible()

    # 5. Three months on (the clock moved by the test), the follow-up: the goals once more.
    on_the_site(MOVE.format(run=run, ended=3, ago=7 * 13 + 3, **common))
    page.goto("/reflections/")
    main(page).get_by_role("link", name=re.compile(r"3 months", re.IGNORECASE)).first.click()
    goals = main(page).locator(".app-goals")
    cards = goals.locator(".nhsuk-card")
    cards.nth(0).get_by_label("5", exact=True).check()
    cards.nth(1).get_by_label("5", exact=True).check()
    answer_every_scale(page)
    check(page, screenshot, "what-matters-follow-up")
    main(page).get_by_role("button", name="Send your answers").click()
    expect(page.get_by_text("Thank you. Your answers have been sent.")).to_be_visible()
    sign_out(page)

    # 6. The lead: one person is not shown; five are.
    on_the_site("from courses.dashboard.figures import figures_refresh; figures_refresh()")
    lead.goto("/programme/")
    lasting = main(lead).locator("section[aria-labelledby=lasting]")
    goals_row = (
        lasting.get_by_role("row").filter(has_text="Their own goals").filter(has_text="3 months")
    )
    expect(goals_row).to_contain_text("Fewer than 5 people answered, so this is not shown.")
    check(lead, screenshot, "what-matters-dashboard-suppressed")

    result_of(on_the_site(FOUR_MORE.format(run=run, **common)))
    lead.goto("/programme/")
    lasting = main(lead).locator("section[aria-labelledby=lasting]")
    goals_row = (
        lasting.get_by_role("row").filter(has_text="Their own goals").filter(has_text="3 months")
    )
    expect(goals_row).not_to_contain_text("Fewer than 5")
    # The cell's column name is there for phones, hidden on wide screens: "People 5".
    expect(goals_row.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^(People )?5$"))
    expect(lasting.get_by_role("img", name=re.compile("Their own goals"))).to_be_visible()
    check(lead, screenshot, "what-matters-dashboard-shown")
