"""A patient's course from finding it to finishing it, on a phone (375 px), in a real browser.

A visitor finds a date near them without an account, creates one as a person living with a
long-term condition and comes back to the course, books with an access need, is refused a second
course whose dates overlap, comes to the sessions (a tutor marks the last register), finishes,
finds the course under "Finished" on My learning, downloads the certificate, and checks it on
the public page. Every page is photographed and checked with axe-core.

Against the demo's open run at Hillside ("Moving on Together, Hillside Community Hall, Monday
afternoons", from four weeks ahead, nobody booked) and the full Riverside run on Tuesdays, whose
dates cross it. The course cannot be attended in real time: the test moves the run's sessions
into the past on the live site's database, as a clock moved by a test would, and marks the
registers before the last one through the registers' own service.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from courses.demo.workshops import run_title

from .test_booking_journey import main
from .test_journeys import DEMO, check, header_nav, link_from_email, new_password, unique_email

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
ROOT = Path(__file__).resolve().parents[2]
HILLSIDE = next(run for run in DEMO["runs"] if run["site"] == "hillside")
OVERLAPPING = next(
    run
    for run in DEMO["runs"]
    if run["site"] == "riverside"
    and run.get("open")
    and run["first_session_in_weeks"] > 0
    and run["programme"] == "moving-on-together"
)
TUTOR = HILLSIDE["lay"]

# Run on the live site's database (the demo's settings): the sessions of the Hillside run move
# back so the last ended yesterday, and every session but the last is marked present for the
# person. Prints the last session's id and the person's enrolment.
ATTEND_ALL_BUT_THE_LAST = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from courses.models import Attendance, CourseRun, Enrolment
from courses.workshops.teaching import attendance_mark

run = CourseRun.objects.get(title__startswith={name!r})
person = get_user_model().objects.get(email={email!r})
enrolment = Enrolment.objects.get(run=run, trainee=person)
sessions = list(run.sessions.order_by("starts_at"))
shift = sessions[-1].ends_at - timezone.now() + timedelta(days=1)
shift = timedelta(weeks=-(-shift.days // 7))  # whole weeks: the same weekday and time of day
for session in sessions:
    session.starts_at -= shift
    session.ends_at -= shift
    session.save(update_fields=["starts_at", "ends_at"])
tutor = get_user_model().objects.get(email={tutor!r})
for session in sessions[:-1]:
    attendance_mark(
        session=session,
        marks={{enrolment.pk: Attendance.Status.PRESENT}},
        marked_by=tutor,
        unmarked_confirmed=True,
    )
print("RESULT", json.dumps({{"last_session": sessions[-1].pk}}))
"""


def on_the_site(code: str) -> str:
    """Run Python on the live demo site's database, as its management shell would."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": os.environ["E2E_DATABASE_URL"],
        "EMAIL_URL": f"file://{os.environ['E2E_MAIL_DIR']}",
        "SITE_URL": os.environ["E2E_BASE_URL"],
    }
    if os.environ.get("E2E_NOTIFY_URL"):  # texts go to the local Notify stand-in, as the site's
        from tests.notify_server import API_KEY, TEMPLATE_ID

        env.update(
            NOTIFY_API_KEY=API_KEY,
            NOTIFY_BASE_URL=os.environ["E2E_NOTIFY_URL"],
            NOTIFY_TEMPLATE_DEFAULT=TEMPLATE_ID,
        )
    for name in ("CACHE_URL", "REDIS_URL", "TASKS_BACKEND"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603 (this interpreter, manage.py and the code above)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def result_of(output: str) -> dict:
    """The JSON the code run on the site printed after "RESULT" (other lines may come first)."""
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.skipif("E2E_DATABASE_URL" not in os.environ, reason="needs tests/e2e/run.sh")
def test_a_patient_finds_books_finishes_and_gets_a_certificate(
    new_page, screenshot, base_url, mail_dir, demo_password
):
    hillside, overlapping = run_title(HILLSIDE), run_title(OVERLAPPING)
    address, password = unique_email("patient-journey"), new_password()

    # 1. A visitor finds a date near them, without an account.
    page = new_page(viewport=PHONE)
    page.goto("/")
    main(page).get_by_role("link", name="Find a course near you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a course")
    main(page).get_by_label("Town, postcode or site").fill("Hillside")
    main(page).get_by_role("button", name="Search").click()
    result = (
        main(page)
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=hillside, exact=True))
    )
    expect(result.get_by_text("For people living with a long-term condition")).to_be_visible()
    expect(result.get_by_text(re.compile(r"10 places left out of 10"))).to_be_visible()
    check(page, screenshot, "finder")
    result.get_by_role("link", name=hillside, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(hillside)
    expect(
        main(page).get_by_role("link", name=re.compile("Map of .* \\(OpenStreetMap\\)"))
    ).to_have_count(1)
    check(page, screenshot, "course-signed-out")
    course_url = page.url

    # 2. They create an account as a person living with a long-term condition, and come back.
    main(page).get_by_role("button", name="Create an account").click()
    check(page, screenshot, "sign-up")
    page.get_by_label("First name", exact=True).fill("Morag")
    page.get_by_label("Last name", exact=True).fill("Journey")
    page.get_by_label("I live with a long-term condition", exact=True).check()
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)", exact=True).fill(password)
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    confirm_url = link_from_email(
        mail_dir, address, re.escape(base_url) + r"/accounts/confirm-email/[^\s]+"
    )
    page.goto(confirm_url)
    page.get_by_role("main").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(course_url)

    # 3. They book, saying they need a hearing loop.
    main(page).get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a place")
    main(page).get_by_label("I need a hearing loop").check()
    main(page).get_by_label("I agree to the booking terms").check()
    check(page, screenshot, "booking-questions")
    main(page).get_by_role("button", name="Book my place").click()
    expect(page).to_have_url(course_url)
    expect(page.get_by_text(f"You have a place on {hillside}.")).to_be_visible()
    expect(main(page).get_by_text("I need a hearing loop")).to_be_visible()
    check(page, screenshot, "booked")

    # 4. A second course whose dates cross this one is refused, naming the first.
    page.goto("/courses/")
    main(page).get_by_role("link", name=overlapping, exact=True).click()
    main(page).get_by_role("button", name=re.compile("Book a place|Join the waiting list")).click()
    refusal = main(page).get_by_text(re.compile(f"This course overlaps {re.escape(hillside)}"))
    expect(refusal).to_be_visible()
    check(page, screenshot, "overlap-refused")

    # 5. They come to the sessions; the tutor marks the last register.
    found = result_of(
        on_the_site(
            ATTEND_ALL_BUT_THE_LAST.format(name=HILLSIDE["name"], email=address, tutor=TUTOR)
        )
    )
    tutor = new_page(viewport=PHONE)
    tutor.goto("/accounts/login/")
    tutor.get_by_label("Email", exact=True).fill(TUTOR)
    tutor.get_by_label("Password", exact=True).fill(demo_password)
    tutor.get_by_role("button", name="Sign in").click()
    tutor.goto(f"/teach/sessions/{found['last_session']}/register/")
    expect(main(tutor).get_by_text("I need a hearing loop")).to_be_visible()
    main(tutor).get_by_role("group", name=re.compile("Morag Journey")).get_by_label(
        "Present", exact=True
    ).check()
    check(tutor, screenshot, "register")
    main(tutor).get_by_role("button", name="Save the register").click()
    expect(tutor.get_by_text(re.compile(r"The register for session \d+ is saved"))).to_be_visible()

    # 6. The course is under "Finished", with its certificate.
    page.goto("/learn/")
    expect(main(page).get_by_role("heading", name="Finished")).to_be_visible()
    expect(main(page).get_by_text(hillside).first).to_be_visible()
    check(page, screenshot, "my-learning-finished")
    main(page).get_by_role("link", name=re.compile("View your certificate")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate of attendance")
    expect(main(page).get_by_text("Morag Journey")).to_be_visible()
    check(page, screenshot, "certificate")
    with page.expect_download() as download:
        main(page).get_by_role("button", name="Download as PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    code = page.url.rstrip("/").rsplit("/", 1)[-1]

    # 7. Anyone can check it, and sees the name, course, dates and hours only.
    visitor = new_page(viewport=PHONE)
    visitor.goto(f"/certificates/{code}/")
    expect(main(visitor).get_by_text("This certificate is genuine")).to_be_visible()
    expect(main(visitor).get_by_text("Morag Journey")).to_be_visible()
    expect(main(visitor).get_by_text(address)).to_have_count(0)
    check(visitor, screenshot, "public-check")
    expect(header_nav(visitor).get_by_role("link", name="Sign in")).to_be_visible()
