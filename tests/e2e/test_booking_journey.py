"""A patient books a full course, waits, and is offered the place someone else gives up.

Against the demo site: run A (a Moving on Together course at Riverside Library, full, nobody
waiting) is found in "Find a course" by patient@example.com, who joins its waiting list as
number 1 using the keyboard alone. trainee01@example.com, booked on it, cancels their place after
the "Are you sure?" page. The patient is emailed an offer of the place with a link, which works
without signing in; they accept it there, then see they have a place, and the confirmation is
in the mail folder with the course dates attached as a calendar file. Every page visited is
checked with axe-core and the key pages are photographed.
"""

import time
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from courses.demo.workshops import run_title

from .test_journeys import DEMO, check, emails_to, header_nav, sign_in, sign_out

pytestmark = pytest.mark.e2e

# Run A: open, every place booked, nobody waiting, first session still to come.
RUN_A = next(
    run
    for run in DEMO["runs"]
    if run.get("open")
    and run["first_session_in_weeks"] > 0
    and len(run.get("booked", [])) == run["capacity"]
    and not run.get("waitlisted")
)
PATIENT = "patient@example.com"
LEAVER = f"{RUN_A['booked'][0]}@example.com"
# Tab presses allowed to reach a link or button from where the focus is.
MAX_TABS = 80


def tab_to(page, target):
    """Press Tab until `target` has the focus, as someone without a mouse would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab did not reach {target}")


def main(page):
    return page.get_by_role("main")


def your_place(page):
    """The box on a course's page that says where the person stands and what they can do."""
    return page.locator("#your-place")


def wait_for_email(mail_dir, address, subject_part, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        for message in emails_to(mail_dir, address):
            if subject_part in str(message["Subject"]):
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"No email to {address} about {subject_part!r} in {mail_dir}")
        time.sleep(0.2)


def test_a_patient_joins_the_waiting_list_and_accepts_the_place_offered_when_someone_cancels(
    new_page, screenshot, base_url, mail_dir, demo_password
):
    title = run_title(RUN_A)

    # 1. The patient finds run A and joins its waiting list with the keyboard alone.
    page = new_page()
    sign_in(page, PATIENT, demo_password)
    expect(page).to_have_url(f"{base_url}/learn/")
    check(page, screenshot, "patient-my-learning-before")

    tab_to(page, header_nav(page).get_by_role("link", name="Find a course"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/courses/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a course")
    card = (
        main(page)
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=title, exact=True))
    )
    expect(card.get_by_text("Full: join the waiting list")).to_be_visible()
    expect(card.get_by_text("Step-free access")).to_be_visible()
    expect(card.get_by_text("Hearing loop")).to_be_visible()
    check(page, screenshot, "find-a-course")

    tab_to(page, main(page).get_by_role("link", name=title, exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    course_url = page.url
    expect(your_place(page).get_by_text("This course is full.")).to_be_visible()
    expect(
        main(page).get_by_text("a tutor who lives with a long-term condition and a clinician")
    ).to_be_visible()
    check(page, screenshot, "course-full")

    join = your_place(page).get_by_role("button", name="Join the waiting list")
    tab_to(page, join)
    page.keyboard.press("Enter")
    # The booking questions: what the patient needs to take part, and the booking terms.
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the waiting list")
    main(page).get_by_role("button", name="Join the waiting list").click()
    expect(
        main(page).get_by_text("Agree to the booking terms to book a place.").first
    ).to_be_visible()
    check(page, screenshot, "booking-questions-error")
    main(page).get_by_label("I need a hearing loop").check()
    main(page).get_by_label("Anything else we should know or arrange? (optional)").fill(
        "A seat near the door, please."
    )
    main(page).get_by_label("I agree to the booking terms").check()
    check(page, screenshot, "booking-questions")
    main(page).get_by_role("button", name="Join the waiting list").click()
    expect(page).to_have_url(course_url)
    expect(
        page.get_by_text(
            "The course is full, so you are number 1 on the waiting list. "
            "We will email you if a place comes up."
        )
    ).to_be_visible()
    expect(your_place(page).get_by_text("You are number 1 on the waiting list.")).to_be_visible()
    expect(your_place(page).get_by_text("I need a hearing loop")).to_be_visible()
    expect(your_place(page).get_by_text("A seat near the door, please.")).to_be_visible()
    check(page, screenshot, "on-the-waiting-list")
    wait_for_email(mail_dir, PATIENT, "You are number 1 on the waiting list")
    sign_out(page)

    # 2. Someone booked on run A cancels their place, after being asked to confirm.
    leaver = new_page()
    sign_in(leaver, LEAVER, demo_password)
    expect(leaver).to_have_url(f"{base_url}/learn/")
    main(leaver).get_by_role("link", name=title, exact=True).click()
    expect(your_place(leaver).get_by_text("You have a place on this course.")).to_be_visible()
    check(leaver, screenshot, "leaver-course")
    your_place(leaver).get_by_role("button", name="Cancel my place").click()
    expect(leaver.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to cancel your place?"
    )
    check(leaver, screenshot, "are-you-sure")
    main(leaver).get_by_role("button", name="Yes, cancel my place").click()
    expect(leaver.get_by_text(f"You have cancelled your place on {title}.")).to_be_visible()
    check(leaver, screenshot, "place-cancelled")

    # 3. The place is offered to the patient, who follows the link in the email (no sign-in
    # needed), sees the course and the deadline, and accepts it.
    offer = wait_for_email(mail_dir, PATIENT, f"A place has come up on {title}")
    body = offer.get_body(preferencelist=("plain",)).get_content()
    (link,) = [line for line in body.splitlines() if "/offers/" in line]
    page.goto(base_url + urlsplit(link.strip()).path)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"A place has come up on {title}")
    expect(main(page).get_by_text("Accept or decline by")).to_be_visible()
    check(page, screenshot, "place-offered")
    main(page).get_by_role("button", name="Accept the place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"You have a place on {title}")
    check(page, screenshot, "offer-accepted")

    # 4. The patient has the place, and the email says so with the dates to import.
    sign_in(page, PATIENT, demo_password)
    expect(page).to_have_url(f"{base_url}/learn/")
    courses = (
        main(page)
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=title, exact=True))
    )
    expect(courses.get_by_text("Booked", exact=True)).to_be_visible()
    check(page, screenshot, "patient-my-learning-after")
    page.goto(course_url)
    expect(your_place(page).get_by_text("You have a place on this course.")).to_be_visible()
    check(page, screenshot, "patient-has-a-place")

    message = wait_for_email(mail_dir, PATIENT, f"Your place on {title}")
    assert title in message.get_body(preferencelist=("plain",)).get_content()
    (invitation,) = [part for part in message.iter_attachments()]
    assert invitation.get_filename() == "course-dates.ics"
    assert invitation.get_content_type() == "text/calendar"
    events = Calendar.from_ical(invitation.get_payload(decode=True)).walk("VEVENT")
    assert len(events) == RUN_A["sessions"]
