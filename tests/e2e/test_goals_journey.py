"""Personal goals, the way a trainee and their tutor meet them, in a real browser.

Against the demo's Working in Partnership workshop (Eastgate, Thursday evenings, from two weeks
ahead), on which trainee09@example.com (Isla Morrison) is booked and has not answered the before
reflection: on a phone (375 px) she opens the course from My learning, follows "write your
goals", writes two goals in her own words, is told a rating is missing, rates both, chooses to
share them with her name and sends. The run's lay tutor (ruth.baxter@example.com) opens the plan
of the first session and reads them under "What matters to your group". Every page is checked
with axe-core.
"""

import re

import pytest
from playwright.sync_api import expect

from courses.demo.workshops import run_title

from .test_booking_journey import main
from .test_journeys import DEMO, check, sign_in, sign_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
TRAINEE = "trainee09@example.com"
WORKSHOP_RUN = next(
    run
    for run in DEMO["runs"]
    if "trainee09" in run.get("booked", []) and run["first_session_in_weeks"] > 0
)
WORKSHOP = run_title(WORKSHOP_RUN)
TUTOR = WORKSHOP_RUN["lay"]


def test_a_trainee_writes_two_goals_and_her_tutor_sees_them_on_the_plan(
    new_page, screenshot, demo_password
):
    page = new_page(viewport=PHONE)
    sign_in(page, TRAINEE, demo_password)
    page.goto("/learn/")
    main(page).get_by_role("link", name=WORKSHOP, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSHOP)
    asked = main(page).locator("#before-reflection")
    expect(asked).to_contain_text("write up to 3 goals of your own")
    check(page, screenshot, "goals-course-page")

    asked.get_by_role("link").click()
    expect(
        main(page).get_by_text("You can write up to 3 goals, in your own words.")
    ).to_be_visible()
    form_url = page.url
    check(page, screenshot, "goals-before-form")

    goals = main(page).locator(".app-goals")
    goals.get_by_label("Your goal 1, in your own words").fill(
        "Agree an agenda with my patients at the start"
    )
    goals.get_by_label("Your goal 2, in your own words").fill("Ask what matters to them")
    first = goals.locator(".nhsuk-card").nth(0)
    first.get_by_label("4", exact=True).check()
    goals.get_by_label("Yes, with my name").check()
    main(page).get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    # The draft keeps both goals; sending without goal 2's rating names it.
    page.goto(form_url)
    goals = main(page).locator(".app-goals")
    expect(goals.get_by_label("Your goal 2, in your own words")).to_have_value(
        "Ask what matters to them"
    )
    # The other questions of the reflection: the middle of every scale.
    for group in main(page).locator("form > .nhsuk-form-group > fieldset").all():
        options = group.locator("input[type=radio]")
        if options.count():
            options.nth(options.count() // 2).check()
    main(page).get_by_role("button", name="Send your answers").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Goal 2: choose where you are now, from 0 to 10.")
    check(page, screenshot, "goals-rating-missing")

    goals = main(page).locator(".app-goals")
    goals.locator(".nhsuk-card").nth(1).get_by_label("3", exact=True).check()
    for group in main(page).locator("form > .nhsuk-form-group > fieldset").all():
        options = group.locator("input[type=radio]")
        if options.count() and not group.locator("input:checked").count():
            options.nth(options.count() // 2).check()
    main(page).get_by_role("button", name="Send your answers").click()
    expect(page.get_by_text("Thank you. Your answers have been sent.")).to_be_visible()
    expect(
        main(page).get_by_text(
            re.compile(r"Agree an agenda with my patients at the start: 4 out of 10")
        )
    ).to_be_visible()
    check(page, screenshot, "goals-sent")
    sign_out(page)

    tutor = new_page()
    sign_in(tutor, TUTOR, demo_password)
    tutor.goto("/teach/")
    tutor.get_by_role(
        "link", name=re.compile(rf"^Session plan for {re.escape(WORKSHOP)}, .*session 1$")
    ).first.click()
    section = tutor.locator("#group-goals")
    expect(section).to_have_text("What matters to your group")
    shared = tutor.get_by_role("main").locator("#group-goals + p + ul")
    expect(shared).to_contain_text("Agree an agenda with my patients at the start (Isla Morrison)")
    expect(shared).to_contain_text("Ask what matters to them (Isla Morrison)")
    check(tutor, screenshot, "goals-on-the-plan")
    sign_out(tutor)
