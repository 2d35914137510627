"""Reaching people who are not online, in a real browser.

A site's programme lead imports a referral list from a GP practice. One row has a landline where
a mobile should be: the preview names its row, column and reason, the good row is imported, the
row is fixed in the file and the file uploaded again, which adds nobody twice. From the "to
contact" list she books Margaret, who has no email and wants text messages, onto a full-but-one
course; the booking confirmation reaches the local stand-in for GOV.UK Notify as a text. A booked
trainee cancels on her phone; the first person waiting is offered the place with a deadline and
lets it lapse (the test runs the scheduler's expiry step at the deadline); the second accepts
through the link in her email, without signing in. The course's tutor sees both on the register:
Margaret, booked by staff, and the trainee who took the offer. Every page is checked with axe.

The journey has a site of its own (Southfield) made on the live site's database, so no other
journey's figures or lists move.
"""

import json
import os
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from .sites import JourneySite, journey_site_make
from .test_booking_journey import main
from .test_journeys import DEMO_TOTP_SECRET, check, link_from_email, sign_in, sign_out
from .test_trainee_journey import on_the_site, result_of

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
LEAD = "southfield.lead@example.com"
LAY = "southfield.lay@example.com"
BOOKED = "southfield.booked@example.com"
FIRST_WAITING = "southfield.first@example.com"
SECOND_WAITING = "southfield.second@example.com"
TITLE = "Moving on Together, Southfield Library, Thursday mornings"
MARGARET_MOBILE = "+447700900321"

SITE = JourneySite(
    name="Southfield",
    lead=(LEAD, "Sara"),
    lay=(LAY, "Lena"),
    clinician=("southfield.clinician@example.com", "Owen"),
    trainees=[(BOOKED, "Bea"), (FIRST_WAITING, "Fay"), (SECOND_WAITING, "Sam")],
    trainees_join_the_site=False,
    title=TITLE,
    weekday=3,  # Thursday mornings
    start="10:00",
    minutes=150,
    capacity=2,
    postcode="SF1 2BB",
    contact_email="courses@southfield.example",
    contact_phone="01632 960 555",
)

# Bea books one of the two places.
BOOK = """
import json
from django.contrib.auth import get_user_model
from courses.workshops.booking import BookingAnswers, run_book

person = get_user_model().objects.get(email={booked!r})
status = run_book(trainee=person, run_id={run}, answers=BookingAnswers(agreed_to_terms=True)).status
print("RESULT", json.dumps({{"status": status}}))
"""

# Two people join the waiting list of the (now full) course, in order.
WAIT = """
import json
from django.contrib.auth import get_user_model
from courses.workshops.booking import BookingAnswers, run_book

statuses = []
for email in ({first_waiting!r}, {second_waiting!r}):
    person = get_user_model().objects.get(email=email)
    statuses.append(run_book(trainee=person, run_id={run}, answers=BookingAnswers(
        agreed_to_terms=True)).status)
print("RESULT", json.dumps({{"statuses": statuses}}))
"""

# The scheduler's expiry step, run a minute after the open offer's deadline.
LAPSE = """
import json
from datetime import timedelta
from courses.models import PlaceOffer
from courses.workshops.offers import offers_expire_due

offer = PlaceOffer.objects.filter(run_id={run}, status="open").get()
closed = offers_expire_due(now=offer.expires_at + timedelta(minutes=1))
print("RESULT", json.dumps({{"closed": closed, "lapsed": offer.enrolment.trainee.email}}))
"""

REFERRALS = """First name,Last name,Mobile,Email,Group,How to contact,Referrer,Referred on,Notes
Margaret,Hughes,07700 900321,,Patient,Text,"Dr Patel, Southfield Surgery",2/11/2026,Prefers mornings
Alan,Price,{alan_mobile},,Patient,Text,"Dr Patel, Southfield Surgery",2/11/2026,
"""


def texts_sent() -> list[dict]:
    """Each text the local Notify accepted: {"request": what the client sent, "response": ...}."""
    url = f"{os.environ['E2E_NOTIFY_URL']}/_sent"  # the local Notify stand-in of run.sh
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return json.load(response)


def upload(page, tmp_path, name, content):
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    page.goto("/sites/southfield/referrals/upload/")
    main(page).locator("input[type=file]").set_input_files(str(file))
    main(page).get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state("load")


@pytest.mark.skipif("E2E_NOTIFY_URL" not in os.environ, reason="needs tests/e2e/run.sh")
def test_a_referral_is_booked_by_phone_and_a_freed_place_is_offered(
    new_page, screenshot, base_url, mail_dir, demo_password, tmp_path
):
    common = {
        "booked": BOOKED,
        "first_waiting": FIRST_WAITING,
        "second_waiting": SECOND_WAITING,
    }
    made = journey_site_make(SITE, password=demo_password, secret=DEMO_TOTP_SECRET)
    booked = result_of(on_the_site(BOOK.format(run=made["run"], **common)))
    assert booked == {"status": "booked"}

    # 1. The lead uploads the practice's list: one row has a landline for a mobile.
    page = new_page()
    sign_in(page, LEAD, demo_password, totp_secret=DEMO_TOTP_SECRET)
    page.goto("/sites/southfield/referrals/")
    check(page, screenshot, "referrals-empty")
    main(page).get_by_role("link", name="Upload a referral list").click()
    check(page, screenshot, "referral-upload")
    upload(page, tmp_path, "referrals.csv", REFERRALS.format(alan_mobile="0163 296 0555"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the referral list")
    errors = main(page).locator("table").first
    expect(errors).to_contain_text("3")  # the row as a spreadsheet numbers it
    expect(errors).to_contain_text("Mobile")
    expect(errors).to_contain_text("Enter a UK mobile number")
    check(page, screenshot, "referral-preview-with-error")
    main(page).get_by_role("button", name=re.compile(r"Confirm and import 1 referral")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral list imported")
    check(page, screenshot, "referral-imported")

    # 2. The row is fixed in the file and the file uploaded again: Margaret is not added twice.
    upload(page, tmp_path, "referrals-fixed.csv", REFERRALS.format(alan_mobile="07700 900654"))
    expect(main(page)).to_contain_text("Skipped")
    expect(main(page)).to_contain_text("New person")
    check(page, screenshot, "referral-preview-fixed")
    main(page).get_by_role("button", name=re.compile(r"Confirm and import 1 referral")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral list imported")

    # 3. From the "to contact" list, she books Margaret by phone.
    page.goto("/sites/southfield/referrals/")
    expect(main(page)).to_contain_text("Margaret Hughes")
    expect(main(page)).to_contain_text("Alan Price")
    check(page, screenshot, "referrals-to-contact")
    main(page).get_by_role("link", name="Book Margaret Hughes on a course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book onto a course")
    check(page, screenshot, "staff-booking")
    main(page).get_by_label(re.compile(re.escape(TITLE))).check()
    main(page).get_by_label("I have read them the booking terms and they agree").check()
    main(page).get_by_role("button", name="Book their place").click()
    page.wait_for_load_state("load")
    expect(main(page)).to_contain_text(TITLE)
    check(page, screenshot, "person-booked")

    # Her confirmation went as a text, through Notify's client, to the local Notify.
    texts = [
        sent["request"]
        for sent in texts_sent()
        if sent["request"]["phone_number"] == MARGARET_MOBILE
    ]
    assert texts, "no text reached the local Notify"
    message = json.dumps(texts[-1]["personalisation"])
    assert "Moving on Together" in message
    sign_out(page)

    # 4. The course is full: two people join its waiting list.
    statuses = result_of(on_the_site(WAIT.format(run=made["run"], **common)))["statuses"]
    assert statuses == ["waitlisted", "waitlisted"]

    # 5. A booked trainee cancels her place on her phone.
    phone = new_page(viewport=PHONE)
    sign_in(phone, BOOKED, demo_password)
    phone.goto(f"/courses/{made['run']}/withdraw/")
    check(phone, screenshot, "trainee-cancel")
    main(phone).get_by_role("button", name="Yes, cancel my place").click()
    phone.wait_for_load_state("load")
    check(phone, screenshot, "trainee-cancelled")
    sign_out(phone)

    # 6. The first person waiting is offered the place, and lets the offer lapse.
    pattern = re.escape(base_url) + r"/offers/[^/\s]+/"
    first_link = link_from_email(mail_dir, FIRST_WAITING, pattern)
    lapsed = result_of(on_the_site(LAPSE.format(run=made["run"])))
    assert lapsed == {"closed": 1, "lapsed": FIRST_WAITING}
    offer = new_page(viewport=PHONE)
    offer.goto(first_link)
    expect(main(offer)).to_contain_text("can no longer be accepted")
    check(offer, screenshot, "offer-lapsed")

    # 7. The second person gets the next offer and accepts it through the link, signed out.
    second_link = link_from_email(mail_dir, SECOND_WAITING, pattern)
    assert second_link != first_link
    accept = new_page(viewport=PHONE)
    accept.goto(second_link)
    expect(main(accept)).to_contain_text(TITLE)
    check(accept, screenshot, "offer")
    main(accept).get_by_role("button", name="Accept the place").click()
    accept.wait_for_load_state("load")
    expect(main(accept)).to_contain_text("You have a place on")
    check(accept, screenshot, "offer-accepted")
    # A link is used once: opened again, it says what became of the offer and offers nothing.
    accept.goto(second_link)
    expect(main(accept)).to_contain_text("You have a place on")
    expect(main(accept).get_by_role("button", name="Accept the place")).to_have_count(0)

    # 8. The register of the first session lists both: booked by staff, and by the offer.
    tutor = new_page()
    sign_in(tutor, LAY, demo_password)
    tutor.goto(f"/teach/sessions/{made['first']}/register/")
    register = main(tutor)
    expect(register).to_contain_text("Margaret Hughes")
    expect(register).to_contain_text("Sam Southfield")
    expect(register).not_to_contain_text("Bea Southfield")
    check(tutor, screenshot, "register-both")
