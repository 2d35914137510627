"""Wagtail admin screens for course delivery.

Delivery sites are for system administrators (superusers). Under "Workshops", programme leads and
site administrators manage the venues, tutor pool and closed days of their own sites: each model's
permission policy (registered here, before any view asks for it) scopes rows to the user's sites,
and the views below take their querysets from that policy, so a row of another site is not found
(404) whether it is listed, opened, edited, deleted or exported.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, ProtectedError, Subquery
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry, register_permission_policy

from cms.roles import TUTOR_ROLES, has_any_role
from courses.models import Accreditation, ClosedDay, Site, Tutor, TutorKind, Venue
from courses.reflections.report import (
    REPORT_TITLE,
    ReflectionAnswersMenuItem,
    ReflectionAnswersView,
)
from courses.sites.admin import SiteScopedForm, SiteScopedPermissionPolicy, TutorForm
from courses.sites.scope import sites_for
from courses.workshops.upcoming import NEXT_SESSIONS_SHOWN, next_sessions_for

IN_USE_ELSEWHERE = "{name} cannot be deleted because courses or sessions use it. {instead}"
INSTEAD = {
    Venue: "Mark the venue as not in use instead.",
    Tutor: "Mark the tutor as not teaching instead.",
}

# A tutor's monthly limit, in words that say what it is.
MONTHLY_CAP = "Most sessions they may teach in a month"

for scoped_model in (Venue, Tutor, ClosedDay):
    register_permission_policy(scoped_model, SiteScopedPermissionPolicy(scoped_model))


class SiteViewSet(ModelViewSet):
    model = Site
    menu_label = "Delivery sites"
    icon = "site"
    add_to_admin_menu = True
    list_display = ["name", "slug"]
    search_fields = ["name"]
    list_export = ["name", "slug", "description"]
    export_filename = "delivery-sites"


# --- workshops: scoped views --------------------------------------------------------------------


class ScopedQuerysetMixin:
    """Rows come from the model's permission policy, so another site's row is simply not there."""

    scope_actions = ["add", "change", "delete", "view"]

    def scoped_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        # Some views look their object up before Wagtail checks the permission: without any
        # permission the answer is "no access" (Wagtail's redirect), not "not found".
        if not policy.user_has_any_permission(self.request.user, self.scope_actions):
            raise PermissionDenied
        return policy.instances_user_has_any_permission_for(self.request.user, self.scope_actions)


class ScopedIndexView(ScopedQuerysetMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped_queryset()


class ScopedEditView(ScopedQuerysetMixin, generic.EditView):
    scope_actions = ["change"]

    def get_queryset(self):
        return self.scoped_queryset()


class ScopedDeleteView(ScopedQuerysetMixin, generic.DeleteView):
    scope_actions = ["delete"]

    def get_queryset(self):
        return self.scoped_queryset()

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            # A venue or tutor that runs or sessions point at stays; the page says what to do.
            messages.error(
                self.request,
                IN_USE_ELSEWHERE.format(
                    name=self.object, instead=INSTEAD.get(self.model, "")
                ).strip(),
            )
            return redirect(self.edit_url_name, self.object.pk)


class ScopedHistoryView(ScopedQuerysetMixin, history.HistoryView):
    scope_actions = ["add", "change", "delete"]

    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedUsageView(ScopedQuerysetMixin, usage.UsageView):
    scope_actions = ["change"]

    def get_base_object_queryset(self):
        return self.scoped_queryset()


class SiteScopedViewSet(ModelViewSet):
    """A model with a `site`, managed by the people of that site."""

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    # A copy would be read outside the scope check and, for a tutor, clash with the person's pool.
    copy_view_enabled = False


class UserSitesFilter(django_filters.ModelChoiceFilter):
    """A site filter that offers only the sites the person manages."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", lambda request: sites_for(request.user).order_by("name"))
        kwargs.setdefault("label", "Site")
        super().__init__(*args, **kwargs)


# --- venues -------------------------------------------------------------------------------------


class VenueFilterSet(WagtailFilterSet):
    site = UserSitesFilter()

    class Meta:
        model = Venue
        fields = ["site", "is_active", "step_free", "hearing_loop"]


class VenueIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("site")


class VenueViewSet(SiteScopedViewSet):
    model = Venue
    icon = "home"
    menu_label = "Venues"
    index_view_class = VenueIndexView
    list_display = [
        "name",
        "site",
        "postcode",
        "capacity",
        BooleanColumn("step_free", label="Step-free"),
        BooleanColumn("hearing_loop", label="Hearing loop"),
        BooleanColumn("is_active", label="In use"),
    ]
    filterset_class = VenueFilterSet
    search_fields = ["name", "address", "postcode"]
    list_export = [
        "site.name",
        "name",
        "address",
        "postcode",
        "capacity",
        "step_free",
        "hearing_loop",
        "access_notes",
        "is_active",
    ]
    export_headings = {"site.name": "Site", "is_active": "In use"}
    export_filename = "venues"
    edit_handler = ObjectList(
        [
            FieldPanel("site"),
            FieldPanel("name"),
            FieldPanel("address"),
            FieldRowPanel([FieldPanel("postcode"), FieldPanel("capacity")]),
            MultiFieldPanel(
                [FieldPanel("step_free"), FieldPanel("hearing_loop"), FieldPanel("access_notes")],
                heading="Access",
            ),
            FieldPanel("is_active"),
        ],
        base_form_class=SiteScopedForm,
    )


# --- the tutor pool -----------------------------------------------------------------------------


def first_lapse():
    """The first day a tutor stops being accredited for one of their programmes: for each
    programme the latest expiry counts (a renewal replaces the old accreditation), and the
    earliest of those is shown. A date in the past means one has already lapsed."""
    renewed = Accreditation.objects.filter(
        tutor=OuterRef("tutor"),
        programme=OuterRef("programme"),
        expires_on__gt=OuterRef("expires_on"),
    )
    return Subquery(
        Accreditation.objects.filter(tutor=OuterRef("pk"))
        .exclude(Exists(renewed))
        .order_by("expires_on")
        .values("expires_on")[:1]
    )


class TutorFilterSet(WagtailFilterSet):
    site = UserSitesFilter()
    kind = django_filters.ChoiceFilter(
        choices=TutorKind.choices, widget=forms.RadioSelect, empty_label="All"
    )

    class Meta:
        model = Tutor
        fields = ["site", "kind", "is_active"]


class TutorIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("user", "site")
            .annotate(accreditation_lapses_on=first_lapse())
        )


class TutorViewSet(SiteScopedViewSet):
    model = Tutor
    icon = "group"
    menu_label = "Tutor pool"
    index_view_class = TutorIndexView
    list_display = [
        "name",
        Column("kind", accessor="get_kind_display", label="Kind", sort_key="kind"),
        "site",
        Column("monthly_cap", label=MONTHLY_CAP, sort_key="monthly_cap"),
        BooleanColumn("is_active", label="Teaching"),
        Column(
            "accreditation_lapses_on",
            label="Next accreditation expiry",
            sort_key="accreditation_lapses_on",
        ),
    ]
    filterset_class = TutorFilterSet
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    list_export = [
        "name",
        "user.email",
        "get_kind_display",
        "site.name",
        "monthly_cap",
        "is_active",
        "accreditation_lapses_on",
    ]
    export_headings = {
        "name": "Name",
        "user.email": "Email",
        "get_kind_display": "Kind",
        "site.name": "Site",
        "monthly_cap": MONTHLY_CAP,
        "is_active": "Teaching",
        "accreditation_lapses_on": "Next accreditation expiry",
    }
    export_filename = "tutor-pool"
    edit_handler = ObjectList(
        [
            FieldPanel("user"),
            FieldPanel("site"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("monthly_cap")]),
            FieldPanel("is_active"),
            InlinePanel(
                "accreditations",
                heading="Accreditations",
                label="Accreditation",
                panels=[
                    # Two or three programmes: a plain list reads better than a page chooser.
                    FieldPanel("programme", widget=forms.Select),
                    FieldRowPanel([FieldPanel("accredited_on"), FieldPanel("expires_on")]),
                ],
            ),
            InlinePanel("availability", heading="Weekly availability", label="Available time"),
            InlinePanel("time_away", heading="Dates away", label="Time away"),
        ],
        base_form_class=TutorForm,
    )


# --- closed days --------------------------------------------------------------------------------


class ClosedDayFilterSet(WagtailFilterSet):
    site = UserSitesFilter()
    date = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)

    class Meta:
        model = ClosedDay
        fields = ["site", "date"]


class ClosedDayIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("site")


class ClosedDayViewSet(SiteScopedViewSet):
    model = ClosedDay
    icon = "date"
    menu_label = "Closed days"
    index_view_class = ClosedDayIndexView
    # Public holidays are closed without a row: a row closes another day or opens a holiday.
    list_display = ["date", "site", "kind", "reason"]
    filterset_class = ClosedDayFilterSet
    search_fields = ["reason"]
    list_export = ["site.name", "date", "kind", "reason"]
    export_headings = {"site.name": "Site", "kind": "Closed or open"}
    export_filename = "closed-days"
    edit_handler = ObjectList(
        [FieldPanel("site"), FieldPanel("date"), FieldPanel("kind"), FieldPanel("reason")],
        base_form_class=SiteScopedForm,
    )


class WorkshopsViewSetGroup(ViewSetGroup):
    menu_label = "Workshops"
    menu_icon = "calendar-alt"
    menu_order = 250
    items = (
        VenueViewSet("venues"),
        TutorViewSet("tutors"),
        ClosedDayViewSet("closed_days"),
    )


@hooks.register("register_admin_viewset")
def register_site_viewset():
    return SiteViewSet("delivery_sites")


@hooks.register("register_admin_viewset")
def register_workshops_viewsets():
    return WorkshopsViewSetGroup()


# --- reflections --------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_reflection_answers_urls():
    return [
        path(
            "reports/reflection-answers/",
            ReflectionAnswersView.as_view(),
            name="reflection_answers",
        ),
        path(
            "reports/reflection-answers/results/",
            ReflectionAnswersView.as_view(results_only=True),
            name="reflection_answers_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_reflection_answers_menu_item():
    return ReflectionAnswersMenuItem(
        REPORT_TITLE,
        reverse("reflection_answers"),
        name="reflection-answers",
        icon_name="doc-full",
        order=1300,
    )


# --- a tutor's dashboard: their next sessions (beside cms's sign-off panels) ---------------------


class NextSessionsPanel(Component):
    """A tutor's next sessions on their Wagtail dashboard, with a link to My teaching."""

    name = "next_sessions"
    template_name = "wagtailadmin/home/next_sessions.html"
    order = 30

    def __init__(self, user):
        self.sessions = next_sessions_for(user)

    def get_context_data(self, parent_context):
        return {
            "sessions": self.sessions,
            "shown": NEXT_SESSIONS_SHOWN,
            "my_teaching_url": reverse("courses:teach"),
        }


@hooks.register("construct_homepage_panels")
def add_next_sessions_panel(request, panels):
    if has_any_role(request.user, *TUTOR_ROLES):
        panels.append(NextSessionsPanel(request.user))
