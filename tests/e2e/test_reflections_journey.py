"""Before-and-after reflections, the way trainees and leads meet them.

Against the demo site:
1. professional@example.com, booked on the Working in Partnership workshop, finds its before
   reflection on My learning and answers it with the keyboard alone: sending it empty names
   every question left; half the answers are saved, found again later and finished; once sent,
   the answers can be read but not changed.
2. A trainee of the finished demo course reads how their confidence changed and downloads their
   own answers (a CSV holding nobody else's).
3. The Riverside lead filters the results to that course, sees them marked as demonstration data,
   and downloads the pseudonymised answers, which hold no name or email.
Every page visited is checked with axe-core and the key pages are photographed.
"""

import csv
import io
import zipfile

import pytest
from playwright.sync_api import expect

from courses.demo.workshops import run_title

from .test_booking_journey import main, tab_to
from .test_journeys import DEMO, check, header_nav, sign_in, sign_out

pytestmark = pytest.mark.e2e

PROFESSIONAL = "professional@example.com"
WORKSHOP = run_title(
    next(
        run
        for run in DEMO["runs"]
        if "professional" in run.get("booked", []) and run["first_session_in_weeks"] > 0
    )
)
FINISHED = next(
    entry["run"] for entry in DEMO["generated_reflections"] if entry.get("after", 0) >= 5
)
FINISHED_RUN = next(run for run in DEMO["runs"] if run["name"] == FINISHED)
FINISHED_TITLE = run_title(FINISHED_RUN)
ANSWERED_BOTH = f"{FINISHED_RUN['booked'][0]}@example.com"


def radio_groups(page):
    # The questions and the consent, not the goals (which sit in cards of their own).
    return main(page).locator("form > .nhsuk-form-group > fieldset:has(input[type=radio])")


def choose_by_keyboard(page, group, index):
    """Reach the group's first option with Tab, then pick option `index` as a keyboard user
    does: Space on the first, arrow keys to move along (each arrow press selects)."""
    options = group.locator("input[type=radio]")
    index = min(index, options.count() - 1)
    tab_to(page, options.first)
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    expect(options.nth(index)).to_be_checked()


def test_a_professional_answers_the_before_reflection_with_the_keyboard_alone(
    new_page, screenshot, base_url, demo_password
):
    page = new_page()
    sign_in(page, PROFESSIONAL, demo_password)
    expect(page).to_have_url(f"{base_url}/learn/")
    due = page.locator("#reflections-due")
    link_name = f"Before the course: {WORKSHOP}"
    expect(due.get_by_role("link", name=link_name)).to_be_visible()
    check(page, screenshot, "my-learning-reflections-due")

    tab_to(page, due.get_by_role("link", name=link_name))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    form_url = page.url
    assert "/reflections/" in form_url
    check(page, screenshot, "before-form")

    # Sending it empty: nothing is stored, and every question left is named.
    tab_to(page, main(page).get_by_role("button", name="Send your answers"))
    page.keyboard.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link").first).to_contain_text("Answer question 1")
    check(page, screenshot, "before-form-errors")

    groups = radio_groups(page)
    # The last radio group is the consent question, answered at the end.
    questions = groups.count() - 1
    assert questions >= 8
    half = questions // 2
    for number in range(half):
        choose_by_keyboard(page, groups.nth(number), 3 + number % 4)
    # Enter on a radio button submits the form with its first button: that only saves a draft.
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/reflections/")
    expect(page.get_by_text("Saved.")).to_be_visible()
    check(page, screenshot, "draft-saved")

    # Later: My learning says it was started; the saved answers are still there.
    tab_to(page, header_nav(page).get_by_role("link", name="My learning"))
    page.keyboard.press("Enter")
    item = page.locator("#reflections-due li").filter(has=page.get_by_role("link", name=link_name))
    expect(item.get_by_text("Started")).to_be_visible()
    tab_to(page, item.get_by_role("link", name=link_name))
    page.keyboard.press("Enter")
    expect(page).to_have_url(form_url)
    groups = radio_groups(page)
    expect(groups.nth(0).locator("input[type=radio]").nth(3)).to_be_checked()
    for number in range(half, questions):
        choose_by_keyboard(page, groups.nth(number), 2 + number % 5)
    written = main(page).locator("textarea").first
    tab_to(page, written)
    page.keyboard.type("To listen first and agree the agenda together.")
    consent = groups.nth(questions)
    tab_to(page, consent.get_by_label("Yes"))
    page.keyboard.press("Space")
    tab_to(page, main(page).get_by_role("button", name="Send your answers"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("Thank you. Your answers have been sent.")).to_be_visible()
    expect(main(page).get_by_text("To listen first and agree the agenda together.")).to_be_visible()
    expect(main(page).locator("input[type=radio]")).to_have_count(0)
    expect(main(page).get_by_role("button", name="Send your answers")).to_have_count(0)
    check(page, screenshot, "before-sent-read-only")

    page.goto("/reflections/")
    sent = main(page).get_by_role("listitem").filter(has_text=WORKSHOP)
    expect(sent.get_by_role("link", name="Read your answers")).to_be_visible()
    check(page, screenshot, "your-reflections")
    sign_out(page)


def test_a_trainee_reads_their_change_and_downloads_their_answers(page, screenshot, demo_password):
    sign_in(page, ANSWERED_BOTH, demo_password)
    page.goto("/reflections/")
    change = main(page).get_by_role("listitem").filter(has_text="went from")
    expect(change.first).to_be_visible()
    expect(main(page).get_by_text("Your confidence in setting an agenda")).to_be_visible()
    check(page, screenshot, "your-change")

    with page.expect_download() as download:
        main(page).get_by_role("link", name="Download your answers").click()
    with open(download.value.path(), encoding="utf-8") as answers:
        rows = list(csv.reader(answers))
    body = "\n".join(",".join(row) for row in rows[1:])
    assert len(rows) > 10
    assert FINISHED in body
    assert "@example.com" not in body
    sign_out(page)


def test_a_lead_filters_the_results_and_downloads_the_pseudonymised_answers(
    page, screenshot, base_url, demo_password
):
    sign_in(page, "lead@example.com", demo_password)
    page.goto("/sites/riverside/")
    main(page).get_by_role("link", name="Before and after results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before and after")
    main(page).get_by_label("Course run").select_option(
        label=f"{FINISHED_TITLE} (Moving on Together)"
    )
    main(page).get_by_role("button", name="Show results").click()
    table = main(page).get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(5)  # a header and four scales
    expect(table).to_contain_text("Confidence in setting an agenda")
    expect(main(page).get_by_text("Demonstration data")).to_be_visible()
    check(page, screenshot, "lead-results")

    # "Download the answers" gives the file at once, for the choices above (CSV by default).
    download_form = main(page).locator("form[action$='/reflections/answers/']")
    expect(download_form.get_by_label("CSV")).to_be_checked()
    with page.expect_download() as download:
        download_form.get_by_role("button", name="Download the answers").click()
    assert download.value.suggested_filename.startswith("reflection-answers-")
    assert download.value.suggested_filename.endswith(".zip")
    # A zip of CSV files: the answers, people's own goals and the feedback after sessions.
    with zipfile.ZipFile(download.value.path()) as export:
        assert export.namelist() == ["answers.csv", "goals.csv", "session-feedback.csv"]
        text = "".join(export.read(name).decode("utf-8-sig") for name in export.namelist())
        answers = export.read("answers.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(answers)))
    assert rows
    assert "@example.com" not in text
    for name in ("Priya", "Shah", "Quentin"):
        assert name not in text
    page.goto("/")
    sign_out(page)
