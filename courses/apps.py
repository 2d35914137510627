from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = "Course delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from courses.reflections import administrations

        administrations.register()
