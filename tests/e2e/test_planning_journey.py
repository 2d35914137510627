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


def fill_date(page, legend, day):
    """Type `day` into the NHS.UK date input whose legend is `legend`: day, month, year."""
    group = main(page).get_by_role("group", name=legend)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


def next_easter_sunday():
    """The next Easter Sunday at least ten weeks away (the journey keeps the real clock)."""
    from datetime import date

    from dateutil.easter import easter

    today = date.today()
    year = today.year
    while easter(year) - today < timedelta(weeks=10):
        year += 1
    return easter(year)


def long_date(day):
    return f"{day:%A} {day.day} {day:%B %Y}"


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
    fill_date(page, "From", today)
    fill_date(page, "Until", today + timedelta(weeks=22))
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


def test_a_lead_plans_a_run_across_easter_and_sees_good_friday_and_easter_monday_skipped(
    page, screenshot, base_url, demo_password
):
    easter = next_easter_sunday()
    good_friday, easter_monday = easter - timedelta(days=2), easter + timedelta(days=1)

    # 1. The lead opens the run form from the site's runs.
    sign_in(page, "lead@example.com", demo_password)
    page.goto(f"{base_url}/sites/riverside/runs/")
    main(page).get_by_role("link", name="Plan a new run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Plan a new run at Riverside Health Board"
    )
    check(page, screenshot, "lead-run-form")

    # 2. A start date without its month and no name: the summary names each field and links
    # to it.
    main(page).get_by_label("Name of the run").fill("")
    group = main(page).get_by_role("group", name="Start date")
    group.get_by_label("Day", exact=True).fill("3")
    group.get_by_label("Year", exact=True).fill(str(easter.year))
    main(page).get_by_role("button", name="Create the run and its sessions").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter a name for the run")
    expect(summary).to_contain_text("Start date must include a month")
    expect(summary).not_to_contain_text("This field is required")
    check(page, screenshot, "lead-run-form-errors")
    summary.get_by_role("link", name="Start date must include a month").click()
    expect(group.get_by_label("Day", exact=True)).to_be_focused()

    # 3. A Monday run from three weeks before Easter Monday: Easter Monday is skipped.
    title = f"Moving on Together, Riverside Library, Easter {easter.year}"
    main(page).get_by_label("Name of the run").fill(title)
    main(page).get_by_label("Venue").select_option(label="Riverside Library")
    fill_date(page, "Start date", easter_monday - timedelta(weeks=3))
    main(page).get_by_label("Day of the week").select_option(label="Monday")
    main(page).get_by_label("Start time").fill("10:00")
    main(page).get_by_label("Number of sessions").fill("5")
    main(page).get_by_label("Sessions a trainee must attend to complete").fill("4")
    main(page).get_by_role("button", name="Create the run and its sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    skipped = f"Skipped {long_date(easter_monday)}: Easter Monday (public holiday)"
    expect(
        page.get_by_text(re.compile(rf"created with 5 sessions\. {re.escape(skipped)}\."))
    ).to_be_visible()
    expect(main(page).get_by_role("listitem").filter(has_text=skipped)).to_be_visible()
    sessions = main(page).get_by_role("table").filter(has_text="Sessions, their tutors")
    expect(sessions).not_to_contain_text(long_date(easter_monday))
    expect(sessions).to_contain_text(long_date(easter_monday + timedelta(weeks=2)))
    check(page, screenshot, "lead-run-across-easter")

    # 4. The planner, over the Easter weekend, lists Good Friday and Easter Monday.
    page.goto(f"{base_url}/sites/riverside/planner/")
    fill_date(page, "From", good_friday - timedelta(days=4))
    fill_date(page, "Until", easter_monday + timedelta(days=4))
    main(page).get_by_role("button", name="Plan these dates").click()
    expect(page.get_by_role("heading", name="Days the site is closed")).to_be_visible()
    closed = main(page).get_by_role("list").filter(has_text="(public holiday)")
    expect(closed).to_contain_text(f"{long_date(good_friday)}: Good Friday (public holiday)")
    expect(closed).to_contain_text(f"{long_date(easter_monday)}: Easter Monday (public holiday)")
    check(page, screenshot, "lead-planner-easter")
