"""A trainee downloads everything held about them, on a phone (375 px), in a real browser.

The demo's patient (patient@example.com, Jean Murray: booked on the Riverside course in progress,
came to its first two sessions, sent its before reflection) reads their name and email on Your
account and their bookings on My learning, follows "Download everything we hold about you" and
downloads the zip. The test opens it and checks every file parses and that it says what the site
showed them and what the demo holds. Every page is checked with axe-core.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from courses.demo.workshops import run_title
from tests.cms.privacy.zip_reading import read_zip

from .test_booking_journey import main
from .test_journeys import DEMO, check, sign_in, sign_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
PATIENT = next(account for account in DEMO["accounts"] if account["email"] == "patient@example.com")
IN_PROGRESS = next(run for run in DEMO["runs"] if "patient" in run.get("booked", []))


def test_a_trainee_downloads_everything_held_about_them(new_page, screenshot, demo_password):
    page = new_page(viewport=PHONE)
    sign_in(page, PATIENT["email"], demo_password)

    # What the site shows them: their courses on My learning ...
    page.goto("/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    links = main(page).locator('a[href^="/courses/"]')
    shown_courses = {
        link.inner_text().strip()
        for link in links.all()
        if re.fullmatch(r"/courses/\d+/", link.get_attribute("href"))
    }
    assert run_title(IN_PROGRESS) in shown_courses
    check(page, screenshot, "my-learning")

    # ... and their name and email on Your account, which leads to the download.
    page.goto("/account/")
    about = main(page).locator(".nhsuk-summary-list").first
    shown_name = about.locator(".nhsuk-summary-list__row").nth(0).locator("dd").first.inner_text()
    shown_email = about.locator(".nhsuk-summary-list__row").nth(1).locator("dd").first.inner_text()
    check(page, screenshot, "account")
    main(page).get_by_role("link", name="Download everything we hold about you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Download everything we hold about you"
    )
    expect(main(page).get_by_role("heading", name="What is in it")).to_be_visible()
    check(page, screenshot, "your-data")

    with page.expect_download() as download:
        main(page).get_by_role("button", name="Download your data (zip file)").click()
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.zip", download.value.suggested_filename)
    files = read_zip(download.value.path().read_bytes())

    # Every file parsed; the README names each of them and whom to contact.
    readme = files["README.txt"]
    for name in files:
        assert name in readme
    assert "Riverside Health Board" in readme

    # The account is what Your account showed, and what the demo made.
    account = files["account.json"]
    assert account["name_on_certificates"] == shown_name.strip()
    assert account["email"] == shown_email.strip() == PATIENT["email"]
    assert (account["first_name"], account["last_name"]) == (
        PATIENT["first_name"],
        PATIENT["last_name"],
    )
    assert account["roles"] == ["trainee"]
    assert account["email_addresses"] == [
        {"email": PATIENT["email"], "verified": True, "primary": True}
    ]
    assert account["who_you_are"] == "I live with a long-term condition"

    # Their bookings are the courses My learning showed.
    bookings = files["bookings.csv"]
    assert {row["Course or module"] for row in bookings} == shown_courses
    # The demo booked them on Riverside's course in progress (earlier journeys may add others).
    assert ("Riverside Health Board", "Enrolled") in {
        (booking["Site"], booking["Status"]) for booking in bookings
    }

    # The demo marked the first two registers: present at both. The teaching journey, earlier in
    # the run, marks session 3 with everyone present but the last person (not this patient).
    attendance = [(row["Session"], row["Register"]) for row in files["attendance.csv"]]
    assert attendance[:2] == [("1", "Present"), ("2", "Present")]
    assert attendance[2:] in ([], [("3", "Present")])
    # They sent the before reflection.
    assert files["reflections.csv"]
    assert {row["Before or after"] for row in files["reflections.csv"]} == {"Before"}
    assert all(row["Sent"] for row in files["reflections.csv"])
    # This download is recorded, and listed in itself.
    assert files["data_exports.csv"][-1]["Why"] == "You downloaded it"

    # Nobody else's data: no other demo account's address anywhere in it.
    everything = json.dumps(files)
    others = [a["email"] for a in DEMO["accounts"] if a["email"] != PATIENT["email"]]
    assert [address for address in others if address in everything] == []
    sign_out(page)


def test_a_site_administrator_produces_a_patients_data_for_a_written_request(
    page, screenshot, demo_password
):
    sign_in(page, "siteadmin@example.com", demo_password)
    page.goto("/sites/")
    main(page).get_by_role("link", name="produce their data for the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Produce a person's data for a written request"
    )
    check(page, screenshot, "written-request")

    # Sent empty: every missing answer is named, and nothing is downloaded.
    main(page).get_by_role("button", name="Download their data (zip file)").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the reference of the written request")
    expect(summary).to_contain_text("Enter the date the written request was received")
    check(page, screenshot, "written-request-errors")

    main(page).get_by_label("Email address of the person").fill(PATIENT["email"])
    main(page).get_by_label("Reference of the written request").fill("SAR-E2E-1")
    main(page).get_by_label("Day").fill("2")
    main(page).get_by_label("Month").fill("11")
    main(page).get_by_label("Year").fill("2026")
    with page.expect_download() as download:
        main(page).get_by_role("button", name="Download their data (zip file)").click()
    files = read_zip(download.value.path().read_bytes())
    assert files["account.json"]["email"] == PATIENT["email"]
    assert files["data_exports.csv"][-1]["Request reference"] == "SAR-E2E-1"
    assert "Made for your written request SAR-E2E-1" in files["README.txt"]
    sign_out(page)
