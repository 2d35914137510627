"""Programme leads and site administrators manage venues, tutors and closed days in the Wagtail
admin (scoped to their own sites by the admin's permission policy, see courses/admin_permissions.py).

Site administrators get into the admin for the first time here; their only admin permissions are
these. The inline parts of a tutor (accreditations, availability, time away) are edited through the
tutor's form, which needs no permission of their own.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PROGRAMME_LEAD = "programme lead"
SITE_ADMINISTRATOR = "site administrator"
MANAGERS = [PROGRAMME_LEAD, SITE_ADMINISTRATOR]
MODELS = ["venue", "tutor", "closedday"]
CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]


def ensure_permissions(apps):
    # Permissions are normally made after all migrations; make them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None


def workshop_permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="courses", codename__in=CODENAMES)


def access_admin(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def grant(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    permissions = list(workshop_permissions(apps))
    for group in Group.objects.filter(name__in=MANAGERS):
        group.permissions.add(*permissions)
    site_administrators = Group.objects.filter(name=SITE_ADMINISTRATOR).first()
    if site_administrators is not None:
        site_administrators.permissions.add(access_admin(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permissions = list(workshop_permissions(apps))
    for group in Group.objects.filter(name__in=MANAGERS):
        group.permissions.remove(*permissions)
    site_administrators = Group.objects.filter(name=SITE_ADMINISTRATOR).first()
    if site_administrators is not None:
        site_administrators.permissions.remove(access_admin(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_workshops"),
        ("cms", "0007_activity_minutes"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
