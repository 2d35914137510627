"""Two co-authors sign off a change to a lesson in the Wagtail admin, and only then does it go live.

Domain rule 1 in a real browser: a clinical tutor edits a lesson and submits it to the
"Co-production sign-off" workflow; she is offered no approval of her own change; the programme's
reviewers are emailed; a second clinical tutor follows the email's link and signs off, which
publishes nothing and says a lay tutor's sign-off is missing; a lay tutor sees that on his
dashboard, signs off, and the new text is live. At every step each of them sees (on the
dashboard, in the confirmation, in the emails) what is still missing. Each person works in a
fresh browser context; every page visited is checked with axe-core.
"""

import re
import time
from typing import NamedTuple

import pytest
from playwright.sync_api import expect

from . import axe
from .test_journeys import DEMO, check, emails_to, sign_in

pytestmark = pytest.mark.e2e

WORKFLOW = "Co-production sign-off"
HOME = DEMO["home"]["title"]
PROGRAMME = "Moving on Together"

AUTHOR = "nurse.tutor@example.com"  # a clinical tutor: edits and submits
LAY_REVIEWER = "lay.tutor@example.com"
CLINICAL_REVIEWER = "clinician@example.com"

# Workflow actions post, redirect and may publish: more than the suite's 10 s default.
SLOW_MS = 30_000


class Lesson(NamedTuple):
    """A lesson page: its title, the module it belongs to, and its public address."""

    title: str
    module: str
    url: str


AGENDA = Lesson(
    "Session 2 - Setting the agenda",
    "Setting the agenda",
    "/moving-on-together/setting-the-agenda/session/",
)
GOALS = Lesson(
    "Session 3 - Goals and action plans",
    "Goals and action plans",
    "/moving-on-together/goals-and-action-plans/session/",
)


# True once the short animations (menus and messages fading in) have ended. Long ones, such as
# the pulsing badge on the admin's Help menu, are decoration and are not waited for.
SETTLED = """() => document.getAnimations().every((animation) => {
    const timing = animation.effect?.getComputedTiming();
    return animation.playState !== "running" || !timing || timing.endTime > 2000;
})"""


# --- helpers -----------------------------------------------------------------------------------


def full_name(address):
    account = next(account for account in DEMO["accounts"] if account["email"] == address)
    return f"{account['first_name']} {account['last_name']}"


def unique_summary(label):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    return f"Agree together what you will work on ({label} {stamp}, {time.time_ns()})."


def signed_in(new_page, address, password):
    """A page in a fresh browser context, signed in as the tutor `address`: the admin dashboard.

    Tutors land on My teaching; the sign-off happens in the admin."""
    page = new_page()
    sign_in(page, address, password)
    expect(page).to_have_url(re.compile(r"/teach/$"))
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


def public_summary(new_page, lesson):
    """Open the lesson signed out, in a fresh context; returns (page, its summary paragraph)."""
    page = new_page()
    response = page.goto(lesson.url)
    assert response.status == 200, f"{lesson.url} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    return page, page.get_by_role("main").locator("p.nhsuk-lede-text")


def summary_box(page):
    return page.get_by_role("textbox", name="Summary", exact=True)


def open_in_explorer(page, lesson, screenshot=None):
    """Walk the admin's page explorer down to the lesson and open its editor; returns its URL.
    With `screenshot`, each listing on the way is photographed and checked with axe."""
    page.goto("/admin/pages/")
    for title in (HOME, PROGRAMME, lesson.module):
        page.get_by_role("link", name=f"Explore child pages of '{title}'").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(title)
        if screenshot is not None:
            photograph(page, screenshot, f"explorer-{title[:20]}")
            axe.assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name=lesson.title, exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    expect(summary_box(page)).to_be_visible()
    return page.url


def photograph(page, screenshot, name):
    """screenshot(), once menus and messages have finished fading in."""
    page.wait_for_function(SETTLED)
    return screenshot(page, name)


def footer_actions(page):
    """Open the editor's action menu (the arrow next to "Save draft", labelled "More actions");
    returns the footer, whose buttons are then found by role."""
    footer = page.get_by_role("navigation", name="Actions (footer)")
    footer.get_by_role("button", name="More actions").click()
    return footer


def footer_action_labels(page):
    footer = footer_actions(page)
    expect(footer.get_by_role("button", name="Save draft")).to_be_visible()
    return [" ".join(text.split()) for text in footer.get_by_role("button").all_inner_texts()]


def submit_for_sign_off(page, lesson, summary, screenshot, name):
    """In the lesson's editor: change the summary and submit it to the sign-off."""
    summary_box(page).fill(summary)
    footer = footer_actions(page)
    submit = footer.get_by_role("button", name=f"Submit to {WORKFLOW}", exact=True)
    photograph(page, screenshot, name)
    submit.click()
    expect(
        page.get_by_text(f"Page '{lesson.title}' has been submitted for moderation.")
    ).to_be_visible(timeout=SLOW_MS)


def newest_history_entry(page, edit_url):
    """(action, user) of the newest entry in the page's history in the admin."""
    page.goto(edit_url.replace("/edit/", "/history/"))
    cells = page.get_by_role("main").get_by_role("table").get_by_role("row").nth(1)
    cells = cells.get_by_role("cell")
    return " ".join(cells.nth(0).inner_text().split()), cells.nth(1).inner_text().strip()


# --- the journey ---------------------------------------------------------------------------------

# "Waiting for a lay tutor's sign-off; clinical sign-off given by Fiona MacLeod on 7 December 2026"
ON_THE_DAY = r"on \d{1,2} [A-Z][a-z]+ \d{4}"
NOTHING_YET = "Waiting for a lay tutor's and a clinical tutor's sign-off"


def clinical_given_by(name):
    return re.compile(
        re.escape(f"Waiting for a lay tutor's sign-off; clinical sign-off given by {name} ")
        + ON_THE_DAY
    )


def dashboard_row(page, panel, lesson):
    """The lesson's row in one of the tutor's dashboard panels."""
    region = page.get_by_role("region", name=panel)
    return region.get_by_role("row").filter(has_text=lesson.title)


def mail_to(mail_dir, address):
    """Emails to exactly `address` (emails_to also matches hillside.clinician@ for clinician@)."""
    return [
        message
        for message in emails_to(mail_dir, address)
        if [a.addr_spec.lower() for a in message["To"].addresses] == [address.lower()]
    ]


def mail_since(mail_dir, address, seen, subject):
    """The one new email to `address` whose subject ends with `subject`, waiting for it."""
    deadline = time.monotonic() + 15
    while True:
        new = [
            message
            for message in mail_to(mail_dir, address)
            if message["Message-ID"] not in seen and str(message["Subject"]).endswith(subject)
        ]
        if new or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(new) == 1, f"{len(new)} emails to {address} ending {subject!r}"
    return new[0].get_body(preferencelist=("plain",)).get_content()


def message_ids(mail_dir):
    return {
        message["Message-ID"]
        for address in (AUTHOR, LAY_REVIEWER, CLINICAL_REVIEWER)
        for message in mail_to(mail_dir, address)
    }


def subjects_to(mail_dir, address, seen):
    return [
        str(message["Subject"])
        for message in mail_to(mail_dir, address)
        if message["Message-ID"] not in seen
    ]


# The lesson body's Markdown text area has no label yet (the Markdown editor, built beside this
# work, replaces that widget); every other serious problem in the editor still fails.
KNOWN_IN_EDITOR = re.compile(r"^label \(critical\): .* -> #body-\d+-value$")


def checked(page, screenshot, name):
    """check() for an admin page, once its messages have faded in (axe reads a half-faded
    message as too pale)."""
    photograph(page, screenshot, name)
    axe.assert_accessible(page)


def check_editor(page, screenshot, name):
    """check(), for the page editor: axe's serious and critical problems fail, but for the one
    above."""
    photograph(page, screenshot, name)
    blocking = [
        axe.describe(violation)
        for violation in axe.axe_violations(page)
        if violation["impact"] in axe.BLOCKING_IMPACTS
    ]
    blocking = [problem for problem in blocking if not KNOWN_IN_EDITOR.match(problem)]
    assert not blocking, f"Accessibility problems on {page.url}:\n" + "\n".join(blocking)


def approve_on_dashboard(page, lesson, label, screenshot, name):
    """On the dashboard, sign off the lesson with its row's button; returns the confirmation."""
    row = dashboard_row(page, "Waiting for your sign-off", lesson)
    button = row.get_by_role("button", name=re.compile("^" + re.escape(label)))
    photograph(page, screenshot, name)
    button.click()
    expect(page.locator(".messages li.success").first).to_be_visible(timeout=SLOW_MS)
    return " ".join(page.locator(".messages").inner_text().split())


def test_two_co_authors_sign_off_a_lesson_and_each_sees_what_is_missing(
    new_page, screenshot, demo_password, mail_dir, base_url
):
    new_summary = unique_summary("sign-off journey")
    visitor, summary = public_summary(new_page, AGENDA)
    old_summary = summary.inner_text().strip()
    assert old_summary and old_summary != new_summary
    check(visitor, screenshot, "0-public-old")
    seen = message_ids(mail_dir)

    # 1. A clinical tutor changes the summary and submits the change to the sign-off.
    author = signed_in(new_page, AUTHOR, demo_password)
    checked(author, screenshot, "1-author-dashboard")
    edit_url = open_in_explorer(author, AGENDA, screenshot)
    page_id = re.search(r"/admin/pages/(\d+)/edit/", edit_url).group(1)
    review_link = f"{base_url}/admin/pages/{page_id}/edit/"
    submit_for_sign_off(author, AGENDA, new_summary, screenshot, "1-author-submits")
    checked(author, screenshot, "1-submitted")

    # The programme's lay and clinical reviewers are emailed a link to review it; she is not.
    for reviewer in (LAY_REVIEWER, CLINICAL_REVIEWER):
        body = mail_since(mail_dir, reviewer, seen, f"Your sign-off is needed: {AGENDA.title}")
        assert f"{full_name(AUTHOR)} has asked for sign-off" in body
        assert f"Where it stands: {NOTHING_YET}." in body
        assert review_link in body and "localhost" not in body
    assert subjects_to(mail_dir, AUTHOR, seen) == []
    seen = message_ids(mail_dir)

    # 2. Not live yet: visitors still read the old summary.
    visitor, summary = public_summary(new_page, AGENDA)
    expect(summary).to_have_text(old_summary)

    # 3. She is offered no approval of her own change; her dashboard says what it waits for.
    author.goto(edit_url)
    expect(summary_box(author)).to_have_value(new_summary)
    check_editor(author, screenshot, "3-author-editor")
    labels = footer_action_labels(author)
    assert not [label for label in labels if "Approve" in label], labels
    photograph(author, screenshot, "3-author-editor-actions")
    author.goto("/admin/")
    mine = dashboard_row(author, "Your changes in progress", AGENDA)
    expect(mine).to_contain_text(NOTHING_YET)
    expect(author.get_by_role("region", name="Waiting for your sign-off")).to_contain_text(
        "Nothing is waiting for your sign-off"
    )
    expect(author.get_by_role("region", name="How co-authoring works here")).to_contain_text(
        "one lay tutor and one clinical tutor"
    )
    expect(author.get_by_role("link", name="Back to My teaching")).to_have_attribute(
        "href", "/teach/"
    )
    checked(author, screenshot, "3-author-dashboard")

    # 4. The clinical reviewer follows the email's link and signs off. Nothing is published,
    #    and the confirmation says a lay tutor's sign-off is still needed.
    fiona = signed_in(new_page, CLINICAL_REVIEWER, demo_password)
    expect(dashboard_row(fiona, "Waiting for your sign-off", AGENDA)).to_contain_text(NOTHING_YET)
    checked(fiona, screenshot, "4-clinician-dashboard")
    fiona.goto(review_link)
    expect(summary_box(fiona)).to_have_value(new_summary)
    check_editor(fiona, screenshot, "4-clinician-editor")
    fiona.goto("/admin/")
    confirmation = approve_on_dashboard(
        fiona, AGENDA, "Approve as clinical co-author", screenshot, "4-clinician-approves"
    )
    assert "It is not published yet." in confirmation, confirmation
    assert clinical_given_by(full_name(CLINICAL_REVIEWER)).search(confirmation), confirmation
    check_editor(fiona, screenshot, "4-clinician-confirmation")
    visitor, summary = public_summary(new_page, AGENDA)
    expect(summary).to_have_text(old_summary)

    # The author and the lay reviewer are told; the clinical reviewer is not told of her own.
    subject = f"One sign-off given, one still needed: {AGENDA.title}"
    for address in (AUTHOR, LAY_REVIEWER):
        body = mail_since(mail_dir, address, seen, subject)
        assert f"{full_name(CLINICAL_REVIEWER)} has signed off the change" in body
        assert clinical_given_by(full_name(CLINICAL_REVIEWER)).search(body), body
        assert review_link in body
    assert subjects_to(mail_dir, CLINICAL_REVIEWER, seen) == []
    seen = message_ids(mail_dir)

    # Everyone sees the same words: the author's dashboard and the lay reviewer's.
    fiona.goto(edit_url.replace("/edit/", "/history/"))
    checked(fiona, screenshot, "4-history")
    author.goto("/admin/")
    expect(dashboard_row(author, "Your changes in progress", AGENDA)).to_contain_text(
        clinical_given_by(full_name(CLINICAL_REVIEWER))
    )
    photograph(author, screenshot, "4-author-dashboard")

    # 5. The lay reviewer sees what is missing on the dashboard, signs off, and it is published.
    alan = signed_in(new_page, LAY_REVIEWER, demo_password)
    row = dashboard_row(alan, "Waiting for your sign-off", AGENDA)
    expect(row).to_contain_text(clinical_given_by(full_name(CLINICAL_REVIEWER)))
    expect(alan.get_by_role("region", name="Your next sessions")).to_be_visible()
    checked(alan, screenshot, "5-lay-dashboard")
    row.get_by_role("link", name=re.compile("Review and sign off")).click()
    expect(alan).to_have_url(re.compile(rf"/admin/pages/{page_id}/edit/$"))
    check_editor(alan, screenshot, "5-lay-editor")
    labels = footer_action_labels(alan)
    assert "Approve as lay co-author and Publish" in labels, labels
    alan.goto("/admin/")
    confirmation = approve_on_dashboard(
        alan, AGENDA, "Approve as lay co-author", screenshot, "5-lay-approves"
    )
    assert "has both sign-offs and is now published" in confirmation, confirmation
    check_editor(alan, screenshot, "5-lay-confirmation")

    visitor, summary = public_summary(new_page, AGENDA)
    expect(summary).to_have_text(new_summary)
    check(visitor, screenshot, "5-public-new")
    assert newest_history_entry(alan, edit_url)[0].startswith("Published")
    checked(alan, screenshot, "5-history")

    # Everyone involved is told it is published, with its address on the site.
    for address in (AUTHOR, LAY_REVIEWER, CLINICAL_REVIEWER):
        body = mail_since(mail_dir, address, seen, f"Signed off and published: {AGENDA.title}")
        assert f"Published: lay sign-off given by {full_name(LAY_REVIEWER)}" in body
        assert f"clinical sign-off given by {full_name(CLINICAL_REVIEWER)}" in body
        assert f"{base_url}{AGENDA.url}" in body and "localhost" not in body

    # 6. Nothing is left waiting on anyone's dashboard.
    author.goto("/admin/")
    expect(dashboard_row(author, "Your changes in progress", AGENDA)).to_have_count(0)
    checked(author, screenshot, "6-author-dashboard")


def test_a_reviewer_can_approve_from_the_page_editor(new_page, screenshot, demo_password):
    author = signed_in(new_page, AUTHOR, demo_password)
    edit_url = open_in_explorer(author, GOALS)
    footer = author.get_by_role("navigation", name="Actions (footer)")
    if not footer.get_by_role("button", name=f"Submit to {WORKFLOW}", include_hidden=True).count():
        pytest.skip(f"{GOALS.title} is still in the sign-off from an earlier run on this site")
    submit_for_sign_off(author, GOALS, unique_summary("editor approval"), screenshot, "submits")

    lay = signed_in(new_page, LAY_REVIEWER, demo_password)
    lay.goto(edit_url)
    footer = footer_actions(lay)
    footer.get_by_role("button", name="Approve as lay co-author", exact=True).click()
    expect(lay).not_to_have_url(edit_url, timeout=SLOW_MS)
    lay.wait_for_load_state("load")
    photograph(lay, screenshot, "after-approve")
    assert lay.get_by_text("you do not have permission").count() == 0, "approval refused"
    assert newest_history_entry(lay, edit_url) == (
        "Signed off as lay co-author",
        full_name(LAY_REVIEWER),
    )
    # The sign-off counts: approving in the editor saved no revision of the untouched lesson
    # (browsers send its line breaks as CR LF), so the reviewer did not become an author of it.
    author = signed_in(new_page, AUTHOR, demo_password)
    expect(dashboard_row(author, "Your changes in progress", GOALS)).to_contain_text(
        re.compile(
            re.escape(
                "Waiting for a clinical tutor's sign-off; lay sign-off given by "
                f"{full_name(LAY_REVIEWER)} "
            )
            + ON_THE_DAY
        )
    )
    photograph(author, screenshot, "author-dashboard-after-editor-approval")
