"""Two tutors split a session plan, see each other's changes, and one of them marks a register
with "Mark everyone present" and one exception, in a real browser.

Against the demo's run in progress ("Moving on Together, Eastgate Health Centre, Wednesday
afternoons, from <month>", taught by Alan Reid, lay, and Grace Adeyemi, clinical): sessions 1 and 2 have their registers
marked, session 3 (last week) does not, sessions 4 to 7 are weekly from this week on.

Alan and Grace both open the plan of the run's next session; Alan chooses who leads each
activity and saves; Grace, whose page is now out of date, is told what Alan chose and nothing of
hers is saved; she chooses again, and Alan sees her change and who made it. The plan prints on
one A4 page. Alan marks session 3's register: saving with people not marked asks first; "Mark
everyone present", one person sent apologies, saved. Every page is photographed (at 375 px too)
and checked with axe-core.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOT_DIR
from .test_journeys import check, sign_in

pytestmark = pytest.mark.e2e

RUN = "Moving on Together, Eastgate Health Centre, Wednesday afternoons"
LAY = ("lay.tutor@example.com", "Alan Reid")
CLINICAL = ("nurse.tutor@example.com", "Grace Adeyemi")


def session_link(page, label, number=None):
    """The link `label` ("Session plan" or "Register") of one of the run's sessions on My
    teaching: session `number`, or the first one listed (the next to come)."""
    session = str(number) if number else r"\d+"
    name = re.compile(rf"^{label} for {re.escape(RUN)}, from \w+ \d{{4}}, session {session}$")
    return page.get_by_role("link", name=name).first


def signed_in_on_my_teaching(new_page, base_url, address, password):
    page = new_page()
    sign_in(page, address, password)
    expect(page).to_have_url(f"{base_url}/teach/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My teaching")
    return page


def minutes_of(page, key):
    row = page.locator("#minutes-per-tutor .nhsuk-summary-list__row").filter(has_text=key)
    return int(re.match(r"\d+", row.locator("dd").inner_text()).group(0))


def pages_in(pdf: bytes) -> int:
    """Pages in a PDF Chromium printed: its page objects (Chromium does not compress them)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


PHONE = {"width": 375, "height": 812}


def check_narrow(page, screenshot, name):
    """The page at 375 px wide, photographed and checked, then back to the desktop width."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    check(page, screenshot, f"{name}-375")
    page.set_viewport_size(size)


def row_of(page, link):
    return page.locator(".app-teach-row").filter(has=link)


def print_pages(page, name) -> int:
    """Pages the plan prints on: once its stylesheet has loaded, which holds the print rules."""
    page.wait_for_load_state("load")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / f"teaching-{name}.pdf").write_bytes(pdf)
    return pages_in(pdf)


def test_tutors_split_a_session_plan_and_mark_the_register(
    new_page, screenshot, base_url, demo_password
):
    lay_lead, clinical_lead = f"{LAY[1]} (lay tutor)", f"{CLINICAL[1]} (clinical tutor)"
    leads = [lay_lead, clinical_lead, "Both together"]
    lead_of = {lay_lead: "lay", clinical_lead: "clinical", "Both together": "shared"}

    # Who leads each activity, in turn, by name: both lead, and some activities are shared.
    # 1. Alan signs in and lands on My teaching: next sessions first, then those taught.
    alan = signed_in_on_my_teaching(new_page, base_url, LAY[0], demo_password)
    expect(alan.get_by_role("heading", name="Coming up")).to_be_visible()
    expect(alan.get_by_role("heading", name="Taught", exact=True)).to_be_visible()
    expect(alan.get_by_role("heading", name="Your teaching calendar")).to_be_visible()
    expect(alan.get_by_role("main").get_by_text(re.compile(r"/calendar/.+\.ics"))).to_be_visible()
    taught = alan.locator("ul[aria-labelledby=taught]")
    expect(taught).not_to_contain_text("to agree")
    expect(row_of(alan, session_link(alan, "Register", 1))).to_contain_text("Taught")
    check(alan, screenshot, "my-teaching")
    check_narrow(alan, screenshot, "my-teaching")

    # 2. He opens the plan of the run's next session; Grace opens the same plan.
    plan_link = session_link(alan, "Session plan")
    number = int(re.search(r"session (\d+)", plan_link.text_content()).group(1))
    plan_link.click()
    expect(alan).to_have_url(re.compile(r"/teach/sessions/\d+/plan/$"))
    plan_url = alan.url
    expect(alan.get_by_role("heading", level=1)).to_contain_text(f"Session plan: session {number}")
    table = alan.get_by_role("table", name="Who leads each activity")
    first_time = table.locator("tbody tr").first.locator("td").first.inner_text()
    assert re.fullmatch(r"\d\d:\d\d to \d\d:\d\d", first_time.strip()), first_time
    expect(alan.get_by_role("main")).to_contain_text("For tutors")
    check(alan, screenshot, "plan-before")
    check_narrow(alan, screenshot, "plan-before")

    grace = signed_in_on_my_teaching(new_page, base_url, CLINICAL[0], demo_password)
    grace.goto(plan_url)
    expect(grace.get_by_role("heading", level=1)).to_contain_text(f"Session plan: session {number}")

    # 3. Alan chooses who leads each activity, in turn, by name, and saves.
    groups = alan.get_by_role("main").locator("form fieldset")
    count = groups.count()
    assert count >= 2, "the session should have activities to plan"
    expected = {"lay": 0, "clinical": 0, "shared": 0}
    chosen = []
    for index in range(count):
        group = groups.nth(index)
        hint = group.locator(".nhsuk-hint").inner_text()
        minutes = int(re.match(r"(\d+) minutes", hint).group(1))
        lead = leads[index % len(leads)]
        group.get_by_text(lead, exact=True).click()
        expect(group.get_by_label(lead, exact=True)).to_be_checked()
        expected[lead_of[lead]] += minutes
        chosen.append(lead)
    alan.get_by_role("button", name="Save the plan").click()

    # 4. The plan is saved, and shows the minutes each tutor leads (shared ones count for both).
    expect(alan.get_by_role("status")).to_contain_text("The session plan is saved")
    assert minutes_of(alan, lay_lead) == expected["lay"] + expected["shared"]
    assert minutes_of(alan, clinical_lead) == expected["clinical"] + expected["shared"]
    assert minutes_of(alan, "Led together") == expected["shared"]
    assert minutes_of(alan, "Not decided yet") == 0
    expect(alan.get_by_role("main")).to_contain_text("the plan is agreed")
    check(alan, screenshot, "plan-saved")

    # 5. Grace, on her page loaded before Alan saved, changes the first activity: refused, and
    #    told what Alan chose; nothing of hers is saved.
    grace_choice = "Both together" if chosen[0] != "Both together" else clinical_lead
    grace_first = grace.get_by_role("main").locator("form fieldset").first
    grace_first.get_by_text(grace_choice, exact=True).click()
    grace.get_by_role("button", name="Save the plan").click()
    summary = grace.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The plan changed after you opened this page")
    expect(summary).to_contain_text(f"{LAY[1]} chose {chosen[0]} for")
    expect(grace_first.get_by_label(chosen[0], exact=True)).to_be_checked()
    check(grace, screenshot, "plan-refused-for-co-tutor")

    # 6. She chooses again, now knowing Alan's plan, and saves.
    grace_first.get_by_text(grace_choice, exact=True).click()
    grace.get_by_role("button", name="Save the plan").click()
    expect(grace.get_by_role("status")).to_contain_text("The session plan is saved: 1 activity")
    check(grace, screenshot, "plan-saved-by-co-tutor")

    # 7. Alan reloads: he sees Grace's choice, who made it, and the plan's history.
    alan.goto(plan_url)
    table = alan.get_by_role("table", name="Who leads each activity")
    first_lead = table.locator("tbody tr").first.locator("td").last
    expect(first_lead).to_contain_text(grace_choice)
    expect(first_lead).to_contain_text(f"Chosen by {CLINICAL[1]}")
    alan.get_by_text(re.compile(r"^Changes to this plan \(\d+\)$")).click()
    expect(alan.locator("#plan-history")).to_contain_text(f"{CLINICAL[1]} chose {grace_choice} for")
    check(alan, screenshot, "plan-seen-after-co-tutor")

    # 8. The plan prints on one A4 page, with clock times and notes, without the form.
    assert print_pages(alan, "session-plan") == 1
    alan.emulate_media(media="print")
    expect(alan.get_by_role("button", name="Save the plan")).to_be_hidden()
    expect(alan.get_by_role("banner")).to_be_hidden()
    expect(alan.get_by_role("table", name="Who leads each activity")).to_be_visible()
    expect(
        alan.get_by_role("heading", name=re.compile(r"^\d\d:\d\d to \d\d:\d\d ")).first
    ).to_be_visible()
    screenshot(alan, "plan-printed")
    # Back to no emulation: with "screen" emulated, page.pdf would print the screen styles.
    alan.emulate_media(media="null")

    # 9. The longest session of the course (the first) prints on one page too.
    alan.goto("/teach/")
    session_link(alan, "Session plan", 1).click()
    expect(alan.get_by_role("heading", level=1)).to_contain_text("Session plan: session 1")
    assert print_pages(alan, "session-plan-1") == 1

    # 10. Alan marks the register of session 3, last week's, which nobody has marked yet.
    alan.goto("/teach/")
    register_link = session_link(alan, "Register", 3)
    expect(row_of(alan, register_link)).to_contain_text("Register not marked")
    register_link.click()
    expect(alan.get_by_role("heading", level=1)).to_contain_text("Register: session 3")
    expect(alan.get_by_role("main")).to_contain_text("at least 5 of its 7 sessions")
    check(alan, screenshot, "register-before")
    check_narrow(alan, screenshot, "register-before")
    people = alan.get_by_role("main").locator("form fieldset")
    booked = people.count()
    assert booked >= 2, "the run should have people booked"

    # 11. Saving with only one person marked asks first, and saves nothing.
    people.first.get_by_text("Present", exact=True).click()
    alan.get_by_role("button", name="Save the register").click()
    expect(alan.locator(".nhsuk-error-summary")).to_contain_text(
        f"{booked - 1} of {booked} people {'is' if booked == 2 else 'are'} not marked. Save anyway?"
    )
    expect(
        alan.get_by_role("button", name=f"Save anyway, with {booked - 1} not marked")
    ).to_be_visible()
    check(alan, screenshot, "register-asks")

    # 12. Everyone present, then the one exception, then save: no question asked.
    alan.get_by_role("button", name="Mark everyone present").click()
    expect(alan.locator("#everyone-present")).to_contain_text("shown as present")
    people = alan.get_by_role("main").locator("form fieldset")
    for index in range(booked):
        expect(people.nth(index).get_by_label("Present", exact=True)).to_be_checked()
    people.nth(booked - 1).get_by_text("Sent apologies", exact=True).click()
    check(alan, screenshot, "register-everyone-present")
    alan.get_by_role("button", name="Save the register").click()
    expect(alan.get_by_role("status")).to_contain_text(
        f"The register for session 3 is saved: {booked} of {booked} people marked."
    )
    check(alan, screenshot, "register-saved")

    # 13. My teaching now shows session 3's register as marked.
    alan.goto("/teach/")
    expect(row_of(alan, session_link(alan, "Register", 3))).to_contain_text(
        f"Register: {booked} of {booked} marked."
    )
    check(alan, screenshot, "my-teaching-after")
