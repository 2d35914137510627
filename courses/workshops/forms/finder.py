"""The search of "Find a course": a place as people type it, and which course."""

from django import forms

from cms.curricula.vocabulary import Track
from cms.validation import single_line

PLACE_MAX_LENGTH = 100
PLACE_TOO_LONG = (
    "Enter 100 characters or fewer: a town, a postcode (such as RV1 1AA) or the name of a site."
)


class FinderForm(forms.Form):
    """Anything it does not accept is shown as an error and left out of the search."""

    place = forms.CharField(
        label="Town, postcode or site",
        help_text="For example, Riverside or RV1 1AA",
        required=False,
        max_length=PLACE_MAX_LENGTH,
        validators=[single_line],
        error_messages={"max_length": PLACE_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    programme = forms.ChoiceField(label="Course", required=False)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any course")] + [
            (str(programme.pk), f"{programme.title} ({Track(programme.track).label.lower()})")
            for programme in programmes
        ]

    def search(self) -> dict:
        """The valid part of the search: {'place': text, 'programme_id': int or None}."""
        if not self.is_bound:
            return {"place": "", "programme_id": None}
        self.is_valid()
        cleaned = self.cleaned_data
        programme = cleaned.get("programme")
        return {
            "place": " ".join((cleaned.get("place") or "").split()),
            "programme_id": int(programme) if programme else None,
        }
