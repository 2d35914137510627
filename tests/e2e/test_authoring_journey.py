"""A tutor edits a lesson's Markdown in the Wagtail admin with the toolbar and the preview, saves a
draft, and Compare shows the one line she changed, before and after side by side.

The editor and the comparison are this project's: axe checks them and fails on any serious or
critical problem. The rest of each admin page is Wagtail's (its accessibility is Wagtail's to
test, as in test_journeys.py): axe runs on the whole page too and lists what it finds among the
minor problems at the end of the run, without failing. Nothing is fetched from another origin.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from . import axe
from .test_journeys import DEMO, sign_in

pytestmark = pytest.mark.e2e

TUTOR = "lay.tutor@example.com"  # Alan Reid, a lay tutor (content/demo/demo.toml)
HOME = DEMO["home"]["title"]
PROGRAMME = "Moving on Together"
MODULE = "Importance and confidence"
LESSON = "Between sessions 4 and 5"
FIRST_WORD = "This"  # the lesson's text begins "This week, use your two numbers ..."
SLOW_MS = 30_000

RUN_AXE_WITHIN = """
async (selectors) => {
  const results = await axe.run(
    { include: selectors.map((selector) => [selector]) },
    { resultTypes: ["violations"] },
  );
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(" ")),
  }));
}
"""


def check_ours(page, screenshot, name, *selectors):
    """Photograph the page; fail on serious problems in our parts, list Wagtail's."""
    screenshot(page, name)
    for violation in axe.axe_violations(page):
        axe.lesser_violations.append((page.url, f"(Wagtail's page) {axe.describe(violation)}"))
    ours = page.evaluate(RUN_AXE_WITHIN, list(selectors))
    blocking = [v for v in ours if v["impact"] in axe.BLOCKING_IMPACTS]
    for violation in ours:
        if violation["impact"] not in axe.BLOCKING_IMPACTS:
            axe.lesser_violations.append((page.url, axe.describe(violation)))
    assert not blocking, f"Accessibility problems in {selectors} on {page.url}:\n" + "\n".join(
        f"  {axe.describe(v)}" for v in blocking
    )


def open_lesson_editor(page):
    page.goto("/admin/pages/")
    for title in (HOME, PROGRAMME, MODULE):
        page.get_by_role("link", name=f"Explore child pages of '{title}'").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    page.get_by_role("main").get_by_role("link", name=LESSON, exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    return page.url


def test_a_tutor_formats_previews_and_compares_a_lessons_markdown(
    new_page, screenshot, base_url, demo_password
):
    page = new_page()
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if urlsplit(request.url).netloc not in {urlsplit(base_url).netloc, ""}
            and not request.url.startswith("data:")
            else None
        ),
    )
    sign_in(page, TUTOR, demo_password)
    expect(page).to_have_url(re.compile(r"/teach/$"))
    edit_url = open_lesson_editor(page)

    # 1. The lesson's text has the editor: a toolbar of named buttons over the text.
    editor = page.locator(".EasyMDEContainer").first
    toolbar = editor.get_by_role("toolbar", name="Formatting: Text (Markdown)")
    expect(toolbar).to_be_visible()
    for name in ["Bold", "Italic", "Heading", "List", "Numbered list", "Link", "Preview"]:
        expect(toolbar.get_by_role("button", name=name, exact=True)).to_be_visible()
    text_input = editor.get_by_role("textbox", name="Text (Markdown)")
    expect(editor.locator(".CodeMirror")).to_contain_text("This week, use your two numbers")
    check_ours(page, screenshot, "1-editor", ".EasyMDEContainer")

    # 2. She selects the first word and makes it bold with the toolbar.
    editor.locator(".CodeMirror-line").first.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+Shift+ArrowRight")
    toolbar.get_by_role("button", name="Bold", exact=True).click()
    expect(editor.locator(".CodeMirror-line").first).to_contain_text(f"**{FIRST_WORD}** week")
    hidden_textarea = page.locator("textarea[data-controller='markdown-editor']").first
    expect(hidden_textarea).to_have_value(re.compile(rf"^\*\*{FIRST_WORD}\*\* week"))

    # 3. The preview is the site's own rendering of the text, beside it, and follows her typing.
    preview_button = toolbar.get_by_role("button", name="Preview", exact=True)
    preview_button.click()
    expect(preview_button).to_have_attribute("aria-pressed", "true")
    preview = editor.get_by_role("region", name="Preview: Text (Markdown)")
    expect(preview.locator("strong").first).to_have_text(FIRST_WORD)
    expect(preview.get_by_role("heading", level=2, name="What to try this week")).to_be_visible()
    expect(preview.locator("script")).to_have_count(0)
    check_ours(page, screenshot, "3-preview", ".EasyMDEContainer")

    # Keyboard: Tab leaves the text for the next control instead of staying inside the editor.
    text_input.focus()
    page.keyboard.press("Tab")
    assert not page.evaluate("() => document.activeElement.closest('.CodeMirror') !== null"), (
        "Tab stayed in the editor"
    )

    # 4. She saves a draft.
    footer = page.get_by_role("navigation", name="Actions (footer)")
    footer.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(f"Page '{LESSON}' has been updated.")).to_be_visible(timeout=SLOW_MS)
    expect(
        page.locator(".EasyMDEContainer").first.locator(".CodeMirror-line").first
    ).to_contain_text(f"**{FIRST_WORD}** week")

    # 5. The page's history. Wagtail also saves drafts on its own as she types, so she compares
    #    the version that was live before her edit (the demo's draft) with the current draft:
    #    one changed line, before on the left and after on the right, the rest folded away.
    page.goto(edit_url.replace("/edit/", "/history/"))
    rows = page.get_by_role("main").get_by_role("table").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Draft saved")
    expect(rows.nth(1)).to_contain_text("Alan Reid")
    screenshot(page, "5-history")
    before_her_edit = rows.filter(has_text="Draft saved").filter(has_text="system").last
    before_her_edit.get_by_role("button").first.click()
    before_her_edit.get_by_role("link", name="Compare with current version").click()
    expect(page).to_have_url(re.compile(r"/revisions/compare/\d+\.\.\.latest/$"))
    diff = page.locator("table.markdown-diff")
    expect(diff).to_have_count(1)
    expect(diff.get_by_role("columnheader")).to_have_text(["Before", "After"])
    removed = diff.locator(".markdown-diff__line--removed")
    added = diff.locator(".markdown-diff__line--added")
    expect(removed).to_have_count(1)
    expect(added).to_have_count(1)
    expect(removed).to_contain_text("This week, use your two numbers")
    expect(added).to_contain_text(f"**{FIRST_WORD}** week, use your two numbers")
    expect(diff.locator(".markdown-diff__fold")).to_contain_text("lines not changed")
    check_ours(page, screenshot, "5-compare", "table.markdown-diff")

    # 6. On a phone-sized screen the preview goes under the text, and the toolbar wraps.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(edit_url)
    editor = page.locator(".EasyMDEContainer").first
    editor.get_by_role("button", name="Preview", exact=True).click()
    preview = editor.get_by_role("region", name="Preview: Text (Markdown)")
    expect(preview.locator("strong").first).to_have_text(FIRST_WORD)
    text_box = editor.locator(".CodeMirror").bounding_box()
    preview_box = preview.bounding_box()
    assert preview_box["y"] >= text_box["y"] + text_box["height"] - 1, (text_box, preview_box)
    check_ours(page, screenshot, "6-phone", ".EasyMDEContainer")

    assert not elsewhere, f"Requests to other sites: {elsewhere}"
