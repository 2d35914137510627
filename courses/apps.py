from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = "Course delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.curricula.programmes import programme_tutors_register
        from cms.privacy.erasure import erasure_part_register
        from cms.privacy.export import contacts_register, exporter_register
        from cms.privacy.retention import retention_rule_register
        from courses.privacy.erasure import courses_erasure_part
        from courses.privacy.export import delivery_files, site_contacts
        from courses.privacy.retention import courses_retention_rules
        from courses.reflections import administrations, session_feedback
        from courses.sites.tutors import programme_tutors

        administrations.register()
        session_feedback.register()
        programme_tutors_register(programme_tutors)
        # A person's download of everything held about them (cms.privacy.export).
        exporter_register("courses", delivery_files)
        contacts_register("sites", site_contacts)
        # Erasing a whole person and the retention job: bookings, attendance and certificates.
        erasure_part_register(courses_erasure_part())
        for rule in courses_retention_rules():
            retention_rule_register(rule)
