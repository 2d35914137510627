"""Two tutors split a session plan, and one of them marks a register, in a real browser.

Against the demo's run in progress ("Moving on Together, Eastgate Health Centre, Wednesday
afternoons, from <month>", taught by Alan Reid, lay, and Grace Adeyemi, clinical): sessions 1 and 2 have their registers
marked, session 3 (last week) does not, sessions 4 to 7 are weekly from this week on.

Alan signs in and lands on My teaching, opens the plan of the run's next session, chooses who
leads each activity and sees the minutes per tutor; Grace signs in and sees the agreed plan; Alan
marks session 3's register. Every page is photographed and checked with axe-core.
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
# Who leads each activity, in turn: both tutors lead, and some activities are led together.
LEADS = ["Lay tutor", "Clinical tutor", "Both together"]
LEAD_OF = {"Lay tutor": "lay", "Clinical tutor": "clinical", "Both together": "shared"}


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


def test_tutors_split_a_session_plan_and_mark_the_register(
    new_page, screenshot, base_url, demo_password
):
    # 1. Alan signs in and lands on My teaching, where his sessions are listed.
    alan = signed_in_on_my_teaching(new_page, base_url, LAY[0], demo_password)
    expect(alan.get_by_role("heading", name="Coming up")).to_be_visible()
    expect(alan.get_by_role("heading", name="Your teaching calendar")).to_be_visible()
    expect(alan.get_by_role("main").get_by_text(re.compile(r"/calendar/.+\.ics"))).to_be_visible()
    check(alan, screenshot, "my-teaching")

    # 2. He opens the plan of the run's next session.
    plan_link = session_link(alan, "Session plan")
    number = int(re.search(r"session (\d+)", plan_link.text_content()).group(1))
    plan_link.click()
    expect(alan).to_have_url(re.compile(r"/teach/sessions/\d+/plan/$"))
    plan_url = alan.url
    expect(alan.get_by_role("heading", level=1)).to_contain_text(f"Session plan: session {number}")
    check(alan, screenshot, "plan-before")

    # 3. He chooses who leads each activity, in turn, and saves.
    groups = alan.get_by_role("main").locator("form fieldset")
    count = groups.count()
    assert count >= 2, "the session should have activities to plan"
    expected = {"lay": 0, "clinical": 0, "shared": 0}
    chosen = []
    for index in range(count):
        group = groups.nth(index)
        hint = group.locator(".nhsuk-hint").inner_text()
        minutes = int(re.match(r"(\d+) minutes", hint).group(1))
        lead = LEADS[index % len(LEADS)]
        group.get_by_text(lead, exact=True).click()
        expect(group.get_by_label(lead, exact=True)).to_be_checked()
        expected[LEAD_OF[lead]] += minutes
        chosen.append(lead)
    alan.get_by_role("button", name="Save the plan").click()

    # 4. The plan is saved, and shows the minutes each tutor leads (shared ones count for both).
    expect(alan.get_by_role("status")).to_contain_text("The session plan is saved.")
    assert minutes_of(alan, "Lay tutor") == expected["lay"] + expected["shared"]
    assert minutes_of(alan, "Clinical tutor") == expected["clinical"] + expected["shared"]
    assert minutes_of(alan, "Led together") == expected["shared"]
    assert minutes_of(alan, "Not decided yet") == 0
    expect(alan.get_by_role("main")).to_contain_text("the plan is agreed")
    check(alan, screenshot, "plan-saved")

    # 5. The plan prints on one A4 page, without the form, header or footer.
    pdf = alan.pdf(format="A4", prefer_css_page_size=True)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / "teaching-session-plan.pdf").write_bytes(pdf)
    assert pages_in(pdf) == 1, f"the plan printed on {pages_in(pdf)} pages"
    alan.emulate_media(media="print")
    expect(alan.get_by_role("button", name="Save the plan")).to_be_hidden()
    expect(alan.get_by_role("banner")).to_be_hidden()
    expect(alan.get_by_role("table", name="Who leads each activity")).to_be_visible()
    screenshot(alan, "plan-printed")
    alan.emulate_media(media="screen")

    # 6. Grace, his co-tutor, signs in and sees the plan agreed, with the leads Alan chose.
    grace = signed_in_on_my_teaching(new_page, base_url, CLINICAL[0], demo_password)
    card = grace.locator(".nhsuk-card").filter(has=session_link(grace, "Session plan", number))
    expect(card.get_by_text("Agreed", exact=True)).to_be_visible()
    expect(card).to_contain_text(LAY[1])
    check(grace, screenshot, "my-teaching-co-tutor")
    session_link(grace, "Session plan", number).click()
    expect(grace).to_have_url(plan_url)
    table = grace.get_by_role("table", name="Who leads each activity")
    leads_shown = table.locator("tbody tr td:last-child").all_inner_texts()
    assert [text.strip() for text in leads_shown] == chosen
    check(grace, screenshot, "plan-seen-by-co-tutor")

    # 7. Alan marks the register of session 3, last week's, which nobody has marked yet.
    alan.goto("/teach/")
    expect(alan.get_by_role("heading", name="The last two weeks")).to_be_visible()
    register_link = session_link(alan, "Register", 3)
    card = alan.locator(".nhsuk-card").filter(has=register_link)
    expect(card.get_by_text("To mark", exact=True)).to_be_visible()
    register_link.click()
    expect(alan.get_by_role("heading", level=1)).to_contain_text("Register: session 3")
    expect(alan.get_by_role("main")).to_contain_text("at least 5 of its 7 sessions")
    check(alan, screenshot, "register-before")
    people = alan.get_by_role("main").locator("form fieldset")
    marked = people.count()
    assert marked >= 2, "the run should have people booked"
    for index in range(marked):
        mark = "Sent apologies" if index == marked - 1 else "Present"
        people.nth(index).get_by_text(mark, exact=True).click()
    alan.get_by_role("button", name="Save the register").click()
    expect(alan.get_by_role("status")).to_contain_text(
        f"The register for session 3 is saved: {marked} people marked."
    )
    check(alan, screenshot, "register-saved")

    # 8. My teaching now shows session 3's register as marked.
    alan.goto("/teach/")
    card = alan.locator(".nhsuk-card").filter(has=session_link(alan, "Register", 3))
    expect(card.get_by_text("Marked", exact=True)).to_be_visible()
    check(alan, screenshot, "my-teaching-after")
