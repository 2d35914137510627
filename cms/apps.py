from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = "Site and curricula"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import admin_lists, footer, spreadsheets

        spreadsheets.install()
        footer.install()
        admin_lists.install()
