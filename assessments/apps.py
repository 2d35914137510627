from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    label = "assessments"
    verbose_name = "Reflections and assessments"
    default_auto_field = "django.db.models.BigAutoField"
