"""Admin lists say "Yes" and "No", never True and False.

Wagtail shows a filter in force as "label: value"; for a yes-or-no filter the value was Python's
`True` ("Teaching: True"). `install()` (called when the app starts) names it "Yes" or "No". The
tick and cross of a yes-or-no column are named the same way (templates/wagtailadmin/tables/
boolean_cell.html), and exports write Yes and No (cms.spreadsheets)."""

import django_filters
from wagtail.admin.active_filters import (
    ActiveFilter,
    BaseFilterAdapter,
    register_filter_adapter_class,
)

from cms.spreadsheets import yes_no


class YesNoFilterAdapter(BaseFilterAdapter):
    def get_active_filters(self):
        yield ActiveFilter(
            self.bound_field.auto_id,
            self.filter.label,
            yes_no(self.value),
            self.get_url_without_filter_param(self.name),
        )


def install() -> None:
    register_filter_adapter_class(django_filters.BooleanFilter, YesNoFilterAdapter)
