from django import forms, template

register = template.Library()

WIDGET_CLASSES = [
    (forms.Textarea, "nhsuk-textarea", "nhsuk-textarea--error"),
    (forms.CheckboxInput, "nhsuk-checkboxes__input", ""),
    (forms.RadioSelect, "nhsuk-radios__input", ""),
    (forms.CheckboxSelectMultiple, "nhsuk-checkboxes__input", ""),
    (forms.Select, "nhsuk-select", "nhsuk-select--error"),
    (forms.widgets.Input, "nhsuk-input", "nhsuk-input--error"),
]


@register.simple_tag
def nhsuk_widget(field):
    """The field's widget with NHS.UK classes, and aria-describedby pointing at its hint and
    error message so a screen reader reads them with the field."""
    widget = field.field.widget
    css = []
    for widget_class, base, error in WIDGET_CLASSES:
        if isinstance(widget, widget_class):
            css.append(base)
            if field.errors and error:
                css.append(error)
            break
    # NHS.UK guidance: the label says what to enter, so no placeholder text that vanishes on typing.
    attrs = {"class": " ".join([*css, widget.attrs.get("class", "")]).strip(), "placeholder": False}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_choice(field):
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
