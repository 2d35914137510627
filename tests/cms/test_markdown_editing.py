"""Authoring Markdown in the admin: the editor, its preview through the site's own renderer, and
Wagtail's Compare showing changed lines side by side."""

import re
from html import unescape

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from cms.markdown import render_markdown
from cms.markdown_editing import (
    PREVIEW_MAX_CHARACTERS,
    PREVIEW_TOO_LONG,
    MarkdownEditor,
    markdown_line_diff,
)
from cms.models import InformationPage, LessonPage, ModulePage, ProgrammePage

PREVIEW = "/admin/markdown/preview/"

LESSON_LINES = [f"Line {number} of the lesson, which says something." for number in range(1, 31)]


def lesson_text(lines=LESSON_LINES):
    return "\n".join(lines)


def edited(lines, index, new_line):
    return [*lines[:index], new_line, *lines[index + 1 :]]


def text_of(html):
    """What the markup says, tags removed (entities kept, to show what was escaped)."""
    return re.sub(r"<[^>]+>", "", html)


def changed_cells(html):
    return {
        "removed": html.count("markdown-diff__line--removed"),
        "added": html.count("markdown-diff__line--added"),
    }


# --- the editor ---------------------------------------------------------------------------------


def test_the_editor_is_a_textarea_that_the_admin_script_turns_into_the_markdown_editor(db):
    html = MarkdownEditor(label="For tutors").render("body", "Say **who** you are & why.")

    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert 'name="body"' in textarea
    assert 'data-controller="markdown-editor"' in textarea
    assert f'data-markdown-editor-preview-url-value="{PREVIEW}"' in textarea
    assert 'data-markdown-editor-label-value="For tutors"' in textarea
    # Without JavaScript the text is in the textarea, escaped, and the form saves it as it is.
    assert ">\nSay **who** you are &amp; why.</textarea>" in html


def test_a_markdown_block_is_a_textarea_of_several_lines_without_javascript():
    from cms.blocks import MarkdownBlock

    html = MarkdownBlock(label="For tutors").field.widget.render("notes", "Say who you are.")

    assert 'rows="6"' in html
    assert 'data-controller="markdown-editor"' in html


def test_the_editor_brings_its_scripts_and_styles_from_this_site():
    media = MarkdownEditor().media
    scripts = re.findall(r'src="([^"?]+)', media.render_js()[0] + "".join(media.render_js()[1:]))
    styles = re.findall(r'href="([^"?]+)', "".join(media.render_css()))

    assert scripts == [
        "/static/wagtailmarkdown/js/easymde.min.js",
        "/static/cms/admin/markdown-editor.js",
    ]
    assert styles == [
        "/static/wagtailmarkdown/css/easymde.min.css",
        "/static/wagtailmarkdown/css/easymde.tweaks.css",
        "/static/cms/admin/markdown-editor.css",
    ]
    for path in scripts + styles:
        assert finders.find(path.removeprefix("/static/")), path


def lesson_page():
    module = ModulePage.objects.get(slug="getting-started")
    return LessonPage.objects.child_of(module).get()


@pytest.mark.django_db
def test_a_tutor_edits_a_lessons_markdown_blocks_with_the_editor(client, small_curriculum, people):
    client.force_login(people["lay_tutor"])

    response = client.get(reverse("wagtailadmin_pages:edit", args=(lesson_page().pk,)))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    # The blocks' widgets are in the StreamField's definition, which the admin's script renders:
    # the lesson's text, an activity's two notes, the reflection's prompt, the key point's text.
    for label in ["Text (Markdown)", "For tutors", "What participants do"]:
        assert f'data-markdown-editor-label-value=\\"{label}\\"' in html
    assert html.count('data-controller=\\"markdown-editor\\"') == 6
    assert "/static/cms/admin/markdown-editor.js" in html
    assert "/static/wagtailmarkdown/js/easymde.min.js" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field"),
    [(ModulePage, "overview"), (ProgrammePage, "introduction"), (InformationPage, "body")],
)
def test_markdown_text_fields_are_edited_with_the_editor(model, field):
    form_class = model.get_edit_handler().get_form_class()

    assert isinstance(form_class.base_fields[field].widget, MarkdownEditor)


@pytest.mark.django_db
def test_a_modules_overview_is_a_textarea_with_the_editor_on_its_edit_page(
    client, small_curriculum, people
):
    client.force_login(people["clinical_tutor"])
    module = ModulePage.objects.get(slug="getting-started")

    html = client.get(reverse("wagtailadmin_pages:edit", args=(module.pk,))).content.decode()

    textarea = re.search(r'<textarea[^>]*name="overview"[^>]*>', html).group(0)
    assert 'data-controller="markdown-editor"' in textarea


# --- the preview --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_is_exactly_what_the_page_will_publish(client, people):
    client.force_login(people["lay_tutor"])
    text = "## What to try\n\n- **Do your plan.**\n- Check your *numbers*.\n\n| a | b |\n|---|---|\n| 1 | 2 |"

    response = client.post(PREVIEW, {"text": text})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == render_markdown(text)
    assert "<strong>Do your plan.</strong>" in response.content.decode()


@pytest.mark.django_db
def test_the_preview_strips_script_and_script_links(client, people):
    client.force_login(people["clinical_tutor"])
    text = (
        "Hello <script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )

    html = client.post(PREVIEW, {"text": text}).content.decode()

    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert html == render_markdown(text)


@pytest.mark.django_db
def test_the_preview_of_nothing_is_nothing(client, people):
    client.force_login(people["lead"])

    response = client.post(PREVIEW, {})

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
def test_the_preview_sends_people_who_are_not_signed_in_to_sign_in(client):
    response = client.post(PREVIEW, {"text": "Hello"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["trainee", "site_admin"])
def test_the_preview_refuses_people_who_edit_no_page(client, people, role):
    client.force_login(people[role])

    assert client.post(PREVIEW, {"text": "Hello"}).status_code == 403


@pytest.mark.django_db
def test_the_preview_only_answers_a_post(client, people):
    client.force_login(people["lay_tutor"])

    response = client.get(PREVIEW, {"text": "Hello"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.django_db
def test_the_preview_refuses_a_text_longer_than_its_limit_and_says_why(client, people):
    client.force_login(people["lay_tutor"])
    text = "a" * (PREVIEW_MAX_CHARACTERS + 1)

    response = client.post(PREVIEW, {"text": text})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == PREVIEW_TOO_LONG.format(
        limit=PREVIEW_MAX_CHARACTERS, length=len(text)
    )
    assert "20,000 characters; this one has 20,001" in response.content.decode()


@pytest.mark.django_db
def test_the_preview_renders_a_text_at_its_limit(client, people):
    client.force_login(people["lay_tutor"])

    response = client.post(PREVIEW, {"text": "a" * PREVIEW_MAX_CHARACTERS})

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_preview_needs_the_forms_csrf_token(people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["lay_tutor"])
    browser.get(reverse("wagtailadmin_home"))
    token = browser.cookies["csrftoken"].value

    refused = browser.post(PREVIEW, {"text": "Hello"})
    accepted = browser.post(PREVIEW, {"text": "Hello"}, headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 200


@pytest.mark.django_db
def test_the_preview_reads_a_fixed_number_of_queries(client, people, django_assert_num_queries):
    client.force_login(people["lay_tutor"])
    long_text = "\n\n".join(f"Paragraph {n} with **bold** text." for n in range(200))

    # The session and its user; their roles and whether they have a second factor (one query,
    # for cms.middleware.SecondFactorRequiredMiddleware); their page permissions (through groups).
    with django_assert_num_queries(4):
        client.post(PREVIEW, {"text": "Short."})
    with django_assert_num_queries(4):
        client.post(PREVIEW, {"text": long_text})


# --- the comparison -----------------------------------------------------------------------------


def test_a_one_sentence_edit_in_a_30_line_text_marks_one_line():
    after = edited(LESSON_LINES, 14, "Line 15 of the lesson, which now says something else.")

    html = markdown_line_diff(lesson_text(), lesson_text(after))

    assert changed_cells(html) == {"removed": 1, "added": 1}
    row = next(row for row in html.split("<tr") if "markdown-diff__line--removed" in row)
    assert "Line 15 of the lesson, which says something." in text_of(row.split("</td>")[0])
    assert "Line 15 of the lesson, which now says something else." in text_of(row)
    # The changed words are marked within the line; the rest of the line is not.
    assert '<ins class="addition">now </ins>' in row
    assert '<ins class="addition"> else</ins>' in row
    assert "<del" not in row  # nothing of the old line was taken out
    # Two lines of context either side; the unchanged rest is folded, and says how much.
    assert html.count("<tr>") == 1 + 5
    assert "12 lines not changed" in html and "13 lines not changed" in html


def test_added_and_removed_lines_are_in_one_column_only():
    before = ["Keep this.", "Remove this.", "Keep that."]
    after = ["Keep this.", "Keep that.", "A new last line."]

    html = markdown_line_diff("\n".join(before), "\n".join(after))

    assert changed_cells(html) == {"removed": 1, "added": 1}
    assert html.count('<td class="markdown-diff__empty"></td>') == 2
    assert (
        '<span class="w-sr-only">Removed: </span><span class="markdown-diff__text">Remove this.'
        in (html)
    )
    assert '<span class="w-sr-only">Added: </span><span class="markdown-diff__text">A new last' in (
        html
    )


def test_the_comparison_escapes_html_in_the_text():
    before = "Say hello.\n<b>bold</b> & more"
    after = 'Say hello.\n<script>alert("x")</script> & more'

    html = markdown_line_diff(before, after)

    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in text_of(html)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in text_of(html)


def test_windows_line_endings_are_not_a_change():
    html = markdown_line_diff("One.\r\nTwo.", "One.\nTwo.")

    assert changed_cells(html) == {"removed": 0, "added": 0}


def save_revision(page, user, *, markdown=None, tutor_notes=None):
    page = LessonPage.objects.get(pk=page.pk)
    for child in page.body:
        if child.block_type == "markdown" and markdown is not None:
            child.value = markdown
        if child.block_type == "activity" and tutor_notes is not None:
            child.value["tutor_notes"] = tutor_notes
            tutor_notes = None  # only the first activity
    return page.save_revision(user=user)


@pytest.mark.django_db
def test_wagtails_compare_shows_one_changed_line_of_a_lessons_markdown(
    client, small_curriculum, people
):
    tutor = people["lay_tutor"]
    lesson = lesson_page()
    before = save_revision(lesson, tutor, markdown=lesson_text())
    after_lines = edited(LESSON_LINES, 9, "Line 10 of the lesson, which says <em>more</em>.")
    after = save_revision(lesson, tutor, markdown=lesson_text(after_lines))
    client.force_login(people["clinical_tutor"])

    response = client.get(
        reverse("wagtailadmin_pages:revisions_compare", args=(lesson.pk, before.pk, after.pk))
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<table class="markdown-diff">') == 1
    assert changed_cells(html) == {"removed": 1, "added": 1}
    assert "Line 10 of the lesson, which says &lt;em&gt;more&lt;/em&gt;." in text_of(html)
    assert "/static/cms/admin/markdown-compare.css" in html


@pytest.mark.django_db
def test_wagtails_compare_shows_changed_lines_of_an_activitys_notes(
    client, small_curriculum, people
):
    tutor = people["clinical_tutor"]
    lesson = lesson_page()
    before = save_revision(lesson, tutor, tutor_notes="Say who you both are.\nThen begin.")
    after = save_revision(lesson, tutor, tutor_notes="Say who you both are.\nThen start.")
    client.force_login(tutor)

    html = client.get(
        reverse("wagtailadmin_pages:revisions_compare", args=(lesson.pk, before.pk, after.pk))
    ).content.decode()

    assert html.count('<table class="markdown-diff">') == 1
    assert changed_cells(html) == {"removed": 1, "added": 1}
    # The activity's other notes are unchanged: shown as text, lines kept, not as a diff.
    assert '<div class="markdown-diff__source">Say your name.</div>' in html


@pytest.mark.django_db
def test_wagtails_compare_shows_changed_lines_of_a_modules_overview(
    client, small_curriculum, people
):
    tutor = people["lay_tutor"]
    module = ModulePage.objects.get(slug="getting-started")
    module.overview = "What the module is for.\n\n- One outcome.\n- Another outcome."
    before = module.save_revision(user=tutor)
    module.overview = "What the module is for.\n\n- One outcome.\n- A better outcome."
    after = module.save_revision(user=tutor)
    client.force_login(tutor)

    html = client.get(
        reverse("wagtailadmin_pages:revisions_compare", args=(module.pk, before.pk, after.pk))
    ).content.decode()

    assert html.count('<table class="markdown-diff">') == 1
    assert changed_cells(html) == {"removed": 1, "added": 1}


def test_a_text_sent_back_untouched_with_the_browsers_line_breaks_is_not_a_change():
    """Browsers send a text box's line breaks as CR LF. Read as sent, every lesson with more than
    one line looked edited, so a reviewer who pressed Approve in the page editor saved a revision,
    became an author of the change, and their sign-off did not count."""
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    from cms.blocks import LessonStreamBlock

    stored = "## Before you start\n\nTalk about **what matters** to you.\n- one\n- two"
    block = LessonStreamBlock()
    posted = nested_form_data(
        {
            "body": streamfield([("markdown", stored.replace("\n", "\r\n"))]),
        }
    )

    value = block.value_from_datadict(posted, {}, "body")

    assert [child.value for child in value] == [stored]
    assert MarkdownEditor().value_from_datadict({"text": "a\rb\r\nc"}, {}, "text") == "a\nb\nc"
