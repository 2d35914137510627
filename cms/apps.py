from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = "Site and curricula"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import admin_lists, footer, spreadsheets
        from cms.curricula import emails as sign_off_emails
        from cms.privacy.account import site_shell_files
        from cms.privacy.export import exporter_register
        from cms.sso import roles as sso_roles

        spreadsheets.install()
        footer.install()
        admin_lists.install()
        sign_off_emails.install()
        # A person's download starts with their account (cms.privacy.export).
        exporter_register("account", site_shell_files)
        sso_roles.install()
