"""Programme leads decide which patient module pairs with which professional module."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PROGRAMME_LEAD = "programme lead"
CODENAMES = ["add_modulepairing", "change_modulepairing", "delete_modulepairing", "view_modulepairing"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=PROGRAMME_LEAD).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="cms", codename__in=CODENAMES)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=PROGRAMME_LEAD).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="cms", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("cms", "0005_signoff")]

    operations = [migrations.RunPython(grant, revoke)]
