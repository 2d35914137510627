"""Helping authors write Markdown in the Wagtail admin, and reviewers see what they changed.

- The editor: wagtail-markdown's textarea with the EasyMDE editor it bundles (toolbar, preview),
  driven by the site's own controller (cms/static/cms/admin/markdown-editor.js) so that the
  preview is rendered here, by cms.markdown, exactly as the page will publish it. Without
  JavaScript it is the plain textarea.
- The preview's rule: how much text one preview may render (`markdown_preview`).
- The comparison: two versions of a Markdown text side by side, line by line, only the changed
  lines marked (Wagtail's own comparison runs the text together and marks words).
"""

import difflib
import re
from itertools import zip_longest

from django import forms
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from wagtail.admin.compare import BlockComparison, TextFieldComparison
from wagtail.admin.panels import FieldPanel
from wagtail.admin.staticfiles import versioned_static
from wagtailmarkdown.widgets import MarkdownTextarea

from cms.markdown import render_markdown

# The longest Markdown field (an information page's text) is 20,000 characters.
PREVIEW_MAX_CHARACTERS = 20_000
PREVIEW_TOO_LONG = (
    "The preview shows texts of up to {limit:,} characters; this one has {length:,}. "
    "Split it into shorter blocks to preview it. Saving is not affected."
)
# Lines of unchanged text shown around each change; longer unchanged stretches are folded.
CONTEXT_LINES = 2


class MarkdownPreviewError(Exception):
    """A text the preview will not render; the message says why, in words for the author."""


def markdown_preview(*, text: str) -> SafeString:
    """The HTML the page will publish for `text`: cms.markdown's renderer, sanitised."""
    if len(text) > PREVIEW_MAX_CHARACTERS:
        raise MarkdownPreviewError(
            PREVIEW_TOO_LONG.format(limit=PREVIEW_MAX_CHARACTERS, length=len(text))
        )
    return render_markdown(text)


# --- the editor ------------------------------------------------------------------------------


class MarkdownEditor(MarkdownTextarea):
    """A textarea that the admin's script turns into EasyMDE with a toolbar and a preview.

    wagtail-markdown's own controller ("easymde") is not used: it fetches Font Awesome and a
    spelling dictionary from CDNs, previews with EasyMDE's browser-side Markdown (which is not
    what the site publishes), gives the editor's input no accessible name and keeps Tab inside
    the editor. Its widget class, EasyMDE bundle and stylesheets are."""

    def __init__(self, attrs=None, *, label=""):
        super().__init__(attrs)
        self.label = label

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = forms.Textarea.build_attrs(self, base_attrs, extra_attrs)
        attrs["data-controller"] = "markdown-editor"
        attrs["data-markdown-editor-preview-url-value"] = reverse("markdown_preview")
        if self.label:
            attrs["data-markdown-editor-label-value"] = self.label
        return attrs

    @property
    def media(self):
        return forms.Media(
            css={
                "all": (
                    versioned_static("wagtailmarkdown/css/easymde.min.css"),
                    versioned_static("wagtailmarkdown/css/easymde.tweaks.css"),
                    versioned_static("cms/admin/markdown-editor.css"),
                )
            },
            js=(
                versioned_static("wagtailmarkdown/js/easymde.min.js"),
                versioned_static("cms/admin/markdown-editor.js"),
            ),
        )


class MarkdownPanel(FieldPanel):
    """A page's Markdown text field: edited with the Markdown editor, compared line by line."""

    def __init__(self, field_name, *args, **kwargs):
        kwargs.setdefault("widget", MarkdownEditor(attrs={"rows": 10}))
        super().__init__(field_name, *args, **kwargs)

    def get_comparison_class(self):
        return MarkdownFieldComparison


# --- the comparison --------------------------------------------------------------------------

WORDS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def _marked_words(before: str, after: str) -> tuple[SafeString, SafeString]:
    """The two versions of a changed line, each with the words that differ marked."""
    old, new = WORDS.findall(before), WORDS.findall(after)
    left, right = [], []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(old[i1:i2])), escape("".join(new[j1:j2]))
        if operation == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(format_html('<del class="deletion">{}</del>', removed))
        if added:
            right.append(format_html('<ins class="addition">{}</ins>', added))
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 - escaped above


def _cell(number, html, mark):
    if number is None:
        return mark_safe('<td class="markdown-diff__empty"></td>')  # noqa: S308 - constant
    labels = {"removed": "Removed: ", "added": "Added: "}
    return format_html(
        '<td class="markdown-diff__line{}"><span class="markdown-diff__number" aria-hidden="true">'
        '{}</span>{}<span class="markdown-diff__text">{}</span></td>',
        f" markdown-diff__line--{mark}" if mark else "",
        number,
        format_html('<span class="w-sr-only">{}</span>', labels[mark]) if mark else "",
        html,
    )


def _row(before, after, before_mark=None, after_mark=None):
    """One row: (line number, html) on each side, or None where that side has no line."""
    left = _cell(*(before or (None, None)), before_mark)
    right = _cell(*(after or (None, None)), after_mark)
    return format_html("<tr>{}{}</tr>", left, right)


def _folded(count):
    words = "1 line not changed" if count == 1 else f"{count} lines not changed"
    return format_html('<tr class="markdown-diff__fold"><td colspan="2">{}</td></tr>', words)


def _lines(text) -> list[str]:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def markdown_line_diff(before, after) -> SafeString:
    """Two versions of a Markdown text as a table: before on the left, after on the right, one
    row per line, only changed lines marked (and, in a changed line, the changed words).
    Stretches of unchanged lines longer than the context around a change are folded."""
    old, new = _lines(before), _lines(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    rows = []
    shown_to = 0  # lines of `old` before this index are shown or folded
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        first = group[0][1]
        if first > shown_to:
            rows.append(_folded(first - shown_to))
        for operation, i1, i2, j1, j2 in group:
            if operation == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    rows.append(_row((i + 1, old[i]), (j + 1, new[j])))
                continue
            pairs = zip_longest(range(i1, i2), range(j1, j2))
            for i, j in pairs:
                if i is not None and j is not None:
                    left, right = _marked_words(old[i], new[j])
                    rows.append(_row((i + 1, left), (j + 1, right), "removed", "added"))
                elif i is not None:
                    rows.append(_row((i + 1, old[i]), None, "removed"))
                else:
                    rows.append(_row(None, (j + 1, new[j]), after_mark="added"))
        shown_to = group[-1][2]
    if len(old) > shown_to:
        rows.append(_folded(len(old) - shown_to))
    return format_html(
        '<table class="markdown-diff"><caption class="w-sr-only">Changes to the Markdown, '
        'line by line</caption><thead><tr><th scope="col">Before</th><th scope="col">After</th>'
        "</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", "{}", ((row,) for row in rows)),
    )


def markdown_as_text(value) -> SafeString:
    """One version of a Markdown text, its lines kept (for a new, deleted or unchanged text)."""
    return format_html('<div class="markdown-diff__source">{}</div>', value or "")


class MarkdownBlockComparison(BlockComparison):
    """The Markdown block in Wagtail's Compare: changed lines side by side."""

    def htmlvalue(self, val):
        return markdown_as_text(val)

    def htmldiff(self):
        if self.val_a == self.val_b:
            return markdown_as_text(self.val_a)
        return markdown_line_diff(self.val_a, self.val_b)


class MarkdownFieldComparison(TextFieldComparison):
    """A Markdown text field of a page in Wagtail's Compare: changed lines side by side."""

    def htmldiff(self):
        if self.val_a == self.val_b:
            return markdown_as_text(self.val_a)
        return markdown_line_diff(self.val_a, self.val_b)
