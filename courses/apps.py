from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = "Course delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.curricula.programmes import programme_tutors_register
        from courses.reflections import administrations
        from courses.sites.tutors import programme_tutors

        administrations.register()
        programme_tutors_register(programme_tutors)
