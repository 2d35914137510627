"""Who may manage which venues, tutors and closed days in the Wagtail admin.

Programme leads and site administrators hold Django's add/change/delete/view permissions on these
models (granted to their groups by a migration), and use them only on rows of the sites they are
members of. Superusers manage every site. The policy answers Wagtail's questions; the forms keep
the choices (site, person) inside the same scope, so a lead cannot move a row out of their sites
or put someone from elsewhere into their pool.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.permission_policies import ModelPermissionPolicy

from cms.roles import TUTOR_ROLES, Role
from courses.models import Site, SiteMembership, TutorKind
from courses.sites.scope import site_ids_for, sites_for

TUTOR_ROLE_MISSING = (
    "{person} is not a {kind}: choose someone who holds that role, or change the kind."
)
TUTOR_NOT_AT_SITE = "{person} is not a member of {site}: choose someone based at that site."
ROLE_FOR_KIND = {TutorKind.LAY: Role.LAY_TUTOR, TutorKind.CLINICAL: Role.CLINICAL_TUTOR}


class SiteScopedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, narrowed to the rows whose `site` is one of the user's sites."""

    def _in_scope(self, user, instance) -> bool:
        return user.is_superuser or instance.site_id in site_ids_for(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self._in_scope(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self._in_scope(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = self.model._default_manager.all()
        if not self.user_has_any_permission(user, actions):
            return instances.none()
        if user.is_superuser:
            return instances
        return instances.filter(site__in=sites_for(user))

    def users_with_any_permission_for_instance(self, actions, instance):
        return self.users_with_any_permission(actions).filter(
            Q(is_superuser=True) | Q(site_memberships__site_id=instance.site_id)
        )


def tutor_candidates_for(user, *, keep_user_id=None):
    """People a lead may put into a tutor pool: members of the lead's sites who hold a tutor role
    and are not in a pool yet (plus the tutor being edited, `keep_user_id`)."""
    people = get_user_model().objects.filter(
        Exists(SiteMembership.objects.filter(user=OuterRef("pk"), site__in=sites_for(user))),
        Exists(
            get_user_model().groups.through.objects.filter(
                user=OuterRef("pk"), group__name__in=[role.value for role in TUTOR_ROLES]
            )
        ),
        tutor__isnull=True,
    )
    if keep_user_id is not None:
        people = people | get_user_model().objects.filter(pk=keep_user_id)
    return people.order_by("last_name", "first_name", "email")


class SiteScopedForm(WagtailAdminModelForm):
    """A form whose site choice holds only the sites the signed-in person manages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "site" in self.fields:
            self.fields["site"].queryset = (
                sites_for(self.for_user).order_by("name")
                if self.for_user is not None
                else Site.objects.none()
            )


def with_child_ids_checked(data, relation_names):
    """modelcluster (6.5) reads the id of each existing child row straight from the POST and
    fails with a 500 when it is missing or not a number, where Django's own formsets call it an
    unknown row. Such an id becomes one no row has, so the form says "Select a valid choice"."""
    if data is None:
        return data
    data = data.copy()
    for name in relation_names:
        try:
            existing = min(
                int(data.get(f"{name}-INITIAL_FORMS")), int(data.get(f"{name}-TOTAL_FORMS"))
            )
        except (TypeError, ValueError):
            continue  # Django refuses the formset's management form and builds no rows
        for index in range(max(0, min(existing, 2000))):
            key = f"{name}-{index}-id"
            value = data.get(key)
            if value == "":
                continue  # a row added in this form, not saved yet
            try:
                int(value)
            except (TypeError, ValueError):
                data[key] = "0"
    return data


class TutorForm(SiteScopedForm):
    """A tutor in a pool: a person at one of the lead's sites, holding the role of their kind."""

    def __init__(self, *args, **kwargs):
        relation_names = list(getattr(type(self), "formsets", {}))
        if args:
            args = (with_child_ids_checked(args[0], relation_names), *args[1:])
        elif "data" in kwargs:
            kwargs["data"] = with_child_ids_checked(kwargs["data"], relation_names)
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.label = "Person"
        field.queryset = (
            tutor_candidates_for(self.for_user, keep_user_id=self.instance.user_id)
            if self.for_user is not None
            else get_user_model().objects.none()
        )
        field.label_from_instance = lambda person: (
            f"{person.get_full_name()} ({person.email})" if person.get_full_name() else person.email
        )
        field.help_text = (
            "People at your sites who hold the lay tutor or clinical tutor role and are not in a "
            "pool yet."
        )

    def clean(self):
        cleaned_data = super().clean()
        person, site, kind = (cleaned_data.get(name) for name in ("user", "site", "kind"))
        if person is None:
            return cleaned_data
        name = person.get_full_name() or person.email
        if kind in ROLE_FOR_KIND:
            role = ROLE_FOR_KIND[kind]
            if not person.groups.filter(name=role.value).exists():
                self.add_error("user", TUTOR_ROLE_MISSING.format(person=name, kind=role.value))
        if site is not None and not person.site_memberships.filter(site=site).exists():
            self.add_error("user", TUTOR_NOT_AT_SITE.format(person=name, site=site))
        return cleaned_data
