"""The programme dashboard, the way a lead meets it.

Against the demo site: the Riverside lead opens How the programme is doing, narrows it to
Moving on Together over the last twelve weeks, reads the funnel and the attendance at each
session (each chart followed by its table), follows a count to the people behind it, and
downloads the completion of each course run as CSV and as Excel: Riverside's runs of that
programme only, and nobody's email. The page is also read on a 320-pixel-wide screen (the width
of a phone, and of a desktop browser at 400% zoom). Every page is checked with axe-core and
photographed.
"""

import csv
import re
from datetime import date, timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from courses.demo.workshops import run_title

from .test_booking_journey import main
from .test_journeys import DEMO, check, header_nav, sign_in

pytestmark = pytest.mark.e2e

LEAD = "lead@example.com"
PROGRAMME = "Moving on Together"
PAGE_TITLE = "How the programme is doing"
FUNNEL = "From enrolment to the after reflection, per track"
ATTENDANCE = "Attendance at each session"
RUNS = "Completion per course run"
# The lead's runs of the programme that began in the period (the last twelve weeks), and every
# run the export must leave out: other programmes', other sites', and those not begun.
BEGUN = [
    run_title(run)
    for run in DEMO["runs"]
    if run["site"] == "riverside"
    and run["programme"] == "moving-on-together"
    and -12 < run["first_session_in_weeks"] <= 0
]
LEFT_OUT = [run_title(run) for run in DEMO["runs"] if run_title(run) not in BEGUN]


def table(page, caption):
    return main(page).get_by_role("table", name=caption)


def section(page, key):
    return main(page).locator(f"section[aria-labelledby={key}]")


def programme_chosen(page):
    return main(page).locator("form").get_by_label("Programme").locator("option:checked")


def filter_dashboard(page, since: date, until: date):
    form = main(page).locator("form")
    form.get_by_label("Programme").select_option(label=PROGRAMME)
    form.get_by_label("From").fill(f"{since.day}/{since.month}/{since.year}")
    form.get_by_label("Until").fill(f"{until.day}/{until.month}/{until.year}")
    form.get_by_role("button", name="Show figures").click()


def test_a_lead_filters_the_dashboard_follows_a_figure_and_downloads_the_tables(
    page, screenshot, base_url, demo_password, tmp_path
):
    assert BEGUN, "the demo has a Riverside Moving on Together run begun in the last 12 weeks"
    sign_in(page, LEAD, demo_password)
    header_nav(page).get_by_role("link", name="Programme dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PAGE_TITLE)
    check(page, screenshot, "dashboard")
    # The figures say when they were worked out, and the lead can ask for them again.
    expect(main(page)).to_contain_text("Figures worked out at ")
    main(page).get_by_role("button", name="Work the figures out again now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PAGE_TITLE)
    expect(page.get_by_text(re.compile(r"The figures (are being|were) worked out"))).to_be_visible()

    until = date.today()
    since = until - timedelta(weeks=12)
    filter_dashboard(page, since, until)
    assert page.url.startswith(f"{base_url}/programme/?")
    assert "since=" in page.url and "programme=" in page.url
    expect(programme_chosen(page)).to_have_text(PROGRAMME)

    # The funnel: a chart, then the same figures as a table (one row: the patient track).
    funnel = table(page, FUNNEL)
    expect(section(page, "funnel").locator("svg[role=img]")).to_be_visible()
    expect(funnel.get_by_role("row")).to_have_count(2)
    expect(funnel).to_contain_text("People living with a long-term condition")
    # Attendance at each session: the attrition across the course's sessions.
    attendance = table(page, ATTENDANCE)
    expect(attendance).to_be_visible()
    expect(attendance.get_by_role("row")).not_to_have_count(1)
    runs = table(page, RUNS)
    for title in BEGUN:
        expect(runs).to_contain_text(title)
    for title in LEFT_OUT:
        expect(runs).not_to_contain_text(title)
    check(page, screenshot, "dashboard-filtered")

    # A count in the funnel opens the people behind it, for the same choices.
    figure = funnel.locator("a[href*='stage=enrolled']")
    count = int(figure.inner_text().split()[0])
    assert count > 0
    figure.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/programme/people/" in page.url
    assert "programme=" in page.url and "since=" in page.url
    expect(main(page).get_by_text(f"{count} enrolment")).to_be_visible()
    people = main(page).get_by_role("table")
    expect(people).to_be_visible()
    expect(people).not_to_contain_text("Hillside")
    check(page, screenshot, "people-behind-a-figure")
    page.get_by_role("link", name=PAGE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PAGE_TITLE)
    expect(programme_chosen(page)).to_have_text(PROGRAMME)

    # Downloads: the same choices, dated, Riverside's runs of the programme only, no emails.
    downloads = section(page, "runs")
    with page.expect_download() as download:
        downloads.get_by_role("link", name=f"{RUNS}: download as CSV").click()
    assert download.value.suggested_filename == f"programme-runs-{date.today():%Y-%m-%d}.csv"
    with open(download.value.path(), encoding="utf-8") as export:
        rows = list(csv.reader(export))
    text = "\n".join(",".join(row) for row in rows)
    assert len(rows) == len(BEGUN) + 1
    for title in BEGUN:
        assert title in text
    for title in LEFT_OUT:
        assert title not in text
    assert "@example.com" not in text

    with page.expect_download() as download:
        downloads.get_by_role("link", name=f"{RUNS}: download as Excel").click()
    assert download.value.suggested_filename == f"programme-runs-{date.today():%Y-%m-%d}.xlsx"
    saved = tmp_path / "runs.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    values = [["" if cell is None else str(cell) for cell in row] for row in sheet.values]
    assert values[0] == rows[0]
    assert sorted(row[0] for row in values[1:]) == sorted(row[0] for row in rows[1:])
    assert "@example.com" not in "\n".join(",".join(row) for row in values)


def test_the_dashboard_reflows_on_a_narrow_screen(new_page, screenshot, demo_password):
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, LEAD, demo_password)
    page.goto("/programme/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PAGE_TITLE)
    chart = main(page).locator("svg[role=img]").first
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= 320
    # Nothing but the tables' own scrolling regions is wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    check(page, screenshot, "dashboard-narrow")


def test_a_lead_downloads_the_answers_from_the_results_page(
    page, screenshot, demo_password, tmp_path
):
    """From the site's page to its before and after results, then "Download the answers" as
    Excel: a file straight away (no admin report, no menu), with the site, the course, the date
    its cohort began and before or after on every row, ratings as numbers, Yes or No."""
    sign_in(page, LEAD, demo_password)
    page.goto("/sites/riverside/")
    main(page).get_by_role("link", name="Before and after results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before and after")
    check(page, screenshot, "results-page")

    download_form = main(page).locator("form[action$='/reflections/answers/']")
    download_form.get_by_label("Excel").check()
    with page.expect_download() as download:
        download_form.get_by_role("button", name="Download the answers").click()
    assert download.value.suggested_filename == (
        f"reflection-answers-riverside-{date.today():%Y-%m-%d}.xlsx"
    )
    saved = tmp_path / "answers.xlsx"
    download.value.save_as(saved)
    rows = [list(row) for row in openpyxl.load_workbook(saved).active.values]
    headings = rows[0]
    at = {heading.split(" (")[0]: index for index, heading in enumerate(headings)}
    for column in ("Site", "Course run or e-learning module", "Cohort start date"):
        assert column in at, headings
    phase = "Before or after the course, or follow-up"
    assert phase in headings
    body = rows[1:]
    assert body, "the demo has answers at Riverside"
    assert {row[at["Site"]] for row in body} == {"Riverside Health Board"}
    assert all(row[at["Course run or e-learning module"]] for row in body)
    assert {row[headings.index(phase)] for row in body} <= {"Before", "After", "Follow-up"}
    numbers = [row[at["Answer as a number"]] for row in body if row[at["Answer as a number"]]]
    assert numbers and all(isinstance(value, int) for value in numbers)
    assert {row[at["Made-up demonstration answer"]] for row in body} <= {"Yes", "No"}
    assert "@example.com" not in repr(rows)
    # Still on the results page, which passes axe after the download too.
    expect(page.get_by_role("heading", level=1)).to_have_text("Before and after")
    check(page, screenshot, "results-page-after-download")
