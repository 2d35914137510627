"""StreamField blocks for lessons. Each renders with its template in templates/blocks/."""

from django import forms
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from cms.curricula.vocabulary import SuggestedLead
from cms.markdown_editing import MarkdownBlockComparison, MarkdownEditor


class MarkdownBlock(blocks.TextBlock):
    """Text written in Markdown; rendered through cms.markdown.render_markdown, sanitised.

    Edited with the Markdown editor (toolbar, preview by the site's renderer) and compared line
    by line in the admin's Compare."""

    @cached_property
    def field(self):
        # Meta.rows sizes the textarea seen without JavaScript (TextBlock itself reads only its
        # own argument, which is 1).
        rows = max(self.rows, self.meta.rows)
        widget = MarkdownEditor(attrs={"rows": rows}, label=str(self.label or ""))
        return forms.CharField(widget=widget, **self.field_options)

    def get_comparison_class(self):
        return MarkdownBlockComparison

    class Meta:
        icon = "doc-full"
        template = "blocks/markdown.html"
        label = "Text (Markdown)"
        preview_value = (
            "Agreeing together **what a consultation will cover** is called *agenda setting*."
        )
        description = "Paragraphs, lists and headings written in Markdown."
        rows = 6


class MinutesBlock(blocks.IntegerBlock):
    """Wagtail's IntegerBlock reads "15" from the form and compares it with the stored 15, so an
    untouched lesson always looks edited, and a reviewer who presses Approve in the editor saves
    a revision and becomes an author of the change. Reading a whole number as a number fixes it;
    anything else is left for validation to refuse."""

    def value_from_form(self, value):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value


class ActivityBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    minutes = MinutesBlock(min_value=1, max_value=600, help_text="How long the activity takes.")
    suggested_lead = blocks.ChoiceBlock(
        choices=SuggestedLead.choices,
        default=SuggestedLead.EITHER,
        help_text="A suggestion: the two tutors decide before the session who leads.",
    )
    tutor_notes = MarkdownBlock(label="For tutors", help_text="What the tutors do and say.")
    participant_notes = MarkdownBlock(label="What participants do")

    class Meta:
        icon = "group"
        template = "blocks/activity.html"
        label = "Activity"
        preview_value = {
            "title": "Welcome and introductions",
            "minutes": 20,
            "suggested_lead": SuggestedLead.LAY,
            "tutor_notes": "Introduce yourselves as a pair: say why you each teach this course.",
            "participant_notes": "Say your name and one thing you would like from the course.",
        }


class ReflectionPromptBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200)
    prompt = MarkdownBlock()

    class Meta:
        icon = "help"
        template = "blocks/reflection_prompt.html"
        label = "Reflection prompt"
        preview_value = {
            "title": "What went well this week?",
            "prompt": "Think of one moment this week when you spoke up about what mattered to you.",
        }


class KeyPointBlock(blocks.StructBlock):
    text = MarkdownBlock()

    class Meta:
        icon = "pick"
        template = "blocks/key_point.html"
        label = "Key point"
        preview_value = {"text": "Small, specific steps are easier to keep than big ones."}


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe the image for people who cannot see it. Required.",
    )
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "blocks/image.html"
        label = "Image"


class VideoBlock(blocks.StructBlock):
    """A video file uploaded to the site (no third-party player), with its transcript."""

    title = blocks.CharBlock(max_length=200)
    video = DocumentChooserBlock(help_text="Upload the video as an MP4 or WebM document.")
    transcript = MarkdownBlock(help_text="Everything said and shown, for people who cannot watch.")

    class Meta:
        icon = "media"
        template = "blocks/video.html"
        label = "Video"


class HandoutBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "download"
        template = "blocks/handout.html"
        label = "Handout"


class LessonStreamBlock(blocks.StreamBlock):
    markdown = MarkdownBlock()
    activity = ActivityBlock()
    reflection = ReflectionPromptBlock()
    key_point = KeyPointBlock()
    image = ImageBlock()
    video = VideoBlock()
    handout = HandoutBlock()
