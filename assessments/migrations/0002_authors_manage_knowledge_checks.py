"""Tutors and programme leads write knowledge checks in the Wagtail admin (no deleting: a check
people have taken is part of their record)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["lay tutor", "clinical tutor", "programme lead"]
CODENAMES = ["add_knowledgecheck", "change_knowledgecheck", "view_knowledgecheck"]


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="assessments", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="assessments", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial"), ("cms", "0003_roles")]

    operations = [migrations.RunPython(grant, revoke)]
