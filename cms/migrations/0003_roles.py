"""The five roles as groups, with the Wagtail permissions each needs to do its job.

Tutors co-author curricula: they reach the Wagtail admin, add and edit pages, and add images
and documents; publishing goes through the co-author sign-off. Leads may also publish and lock.
Site administrators and trainees work in the public site and need no admin permission.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRAINEE = "trainee"
LAY_TUTOR = "lay tutor"
CLINICAL_TUTOR = "clinical tutor"
PROGRAMME_LEAD = "programme lead"
SITE_ADMINISTRATOR = "site administrator"

AUTHORS = [LAY_TUTOR, CLINICAL_TUTOR, PROGRAMME_LEAD]
PAGE_PERMISSIONS = {
    LAY_TUTOR: ["add_page", "change_page"],
    CLINICAL_TUTOR: ["add_page", "change_page"],
    PROGRAMME_LEAD: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


def ensure_permissions(apps):
    # Permissions are normally made after all migrations; make them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in [TRAINEE, LAY_TUTOR, CLINICAL_TUTOR, PROGRAMME_LEAD, SITE_ADMINISTRATOR]
    }
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    for name in AUTHORS:
        group = groups[name]
        group.permissions.add(access_admin)
        if root_page is not None:
            for codename in PAGE_PERMISSIONS[name]:
                permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
                GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
        if root_collection is not None:
            for app_label, codename in COLLECTION_PERMISSIONS:
                permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[TRAINEE, LAY_TUTOR, CLINICAL_TUTOR, PROGRAMME_LEAD, SITE_ADMINISTRATOR]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_home_page"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
