"""A programme lead fills a run's gap with the pairing planner and opens it for booking.

Against the demo's run in planning ("Moving on Together, Riverside Library, Friday mornings, from
<month>": sessions 1 to 4 paired, 5 to 7 without tutors). The lead sees why it is not ready, lets the planner propose
tutors, accepts them, opens the run, and looks at the attendance of the run in progress. Every
page is photographed and checked with axe-core.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .test_journeys import check, sign_in

pytestmark = pytest.mark.e2e

IN_PLANNING = "Moving on Together, Riverside Library, Friday mornings"
IN_PROGRESS = "Moving on Together, Eastgate Health Centre, Wednesday afternoons"


def main(page):
    return page.get_by_role("main")


def test_a_lead_fills_a_gap_with_the_planner_and_opens_the_run(
    page, screenshot, base_url, demo_password
):
    from datetime import date

    # 1. The lead goes from Your sites to the run in planning, which is not ready.
    sign_in(page, "lead@example.com", demo_password)
    expect(page).to_have_url(f"{base_url}/sites/")
    main(page).get_by_role("link", name="Riverside Health Board").click()
    main(page).get_by_role("link", name="Course runs at Riverside Health Board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Course runs at Riverside Health Board"
    )
    check(page, screenshot, "lead-runs")
    main(page).get_by_role("link", name=IN_PLANNING).click()
    run_url = page.url
    expect(main(page).get_by_text("No lay tutor assigned.").first).to_be_visible()
    expect(main(page).get_by_role("button", name="Open for booking")).to_have_count(0)
    check(page, screenshot, "lead-run-not-ready")

    # 2. The planner proposes tutors for the empty places over the next five months.
    page.goto(f"{base_url}/sites/riverside/runs/")
    main(page).get_by_role("link", name="Pair tutors with the planner").click()
    today = date.today()
    page.get_by_label("From", exact=True).fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Until", exact=True).fill((today + timedelta(weeks=22)).strftime("%d/%m/%Y"))
    main(page).get_by_role("button", name="Plan these dates").click()
    expect(page.get_by_role("heading", name="Suggested tutors")).to_be_visible()
    rows = main(page).get_by_role("row").filter(has_text=IN_PLANNING)
    expect(rows).to_have_count(3)
    # The run keeps its pair: the planner proposes Tom and Owen, who teach sessions 1 to 4.
    for number in (5, 6, 7):
        row = rows.filter(has_text=f"session {number}")
        expect(row).to_contain_text("Tom Hughes")
        expect(row).to_contain_text("Owen Price")
    check(page, screenshot, "lead-planner")

    # 3. The lead accepts, and the run is ready to open.
    main(page).get_by_role("button", name="Accept the ticked sessions").click()
    expect(page.get_by_text(re.compile(r"Tutors assigned to \d+ sessions?\."))).to_be_visible()
    page.goto(run_url)
    expect(main(page).get_by_text("No lay tutor assigned.")).to_have_count(0)
    main(page).get_by_role("button", name="Open for booking").click()
    expect(
        page.get_by_text(
            re.compile(rf"{re.escape(IN_PLANNING)}, from \w+ \d{{4}} is open for booking\.")
        )
    ).to_be_visible()
    expect(main(page).get_by_text("Open for booking since")).to_be_visible()
    check(page, screenshot, "lead-run-open")

    # 4. The run in progress shows attendance at each session: the attrition curve.
    page.goto(f"{base_url}/sites/riverside/runs/")
    main(page).get_by_role("link", name=IN_PROGRESS).click()
    attendance = main(page).get_by_role("table").filter(has_text="Present")
    expect(attendance.get_by_role("row").filter(has_text="Session 1")).to_contain_text("8 of 9")
    expect(attendance.get_by_role("row").filter(has_text="Session 2")).to_contain_text("6 of 9")
    check(page, screenshot, "lead-run-attendance")
