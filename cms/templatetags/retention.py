"""The retention periods as the organisation set them (settings.RETENTION), for the privacy
notice: the page states the same periods the retention job applies."""

from django import template

from cms.privacy.periods import periods_for_notice

register = template.Library()


@register.inclusion_tag("cms/privacy/_retention_periods.html")
def retention_periods():
    return {"periods": periods_for_notice()}
