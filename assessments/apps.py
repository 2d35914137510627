from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    label = "assessments"
    verbose_name = "Reflections and assessments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from assessments.privacy.erasure import assessments_erasure_part
        from assessments.privacy.export import assessment_files
        from assessments.privacy.retention import assessments_retention_rules
        from assessments.receivers import (
            knowledge_check_front_matter,
            load_instruments,
            load_knowledge_checks,
        )
        from assessments.reflections.account import reflections_section
        from cms.account.sections import section_register
        from cms.curricula.signoff import signed_off_model_register
        from cms.privacy.erasure import erasure_part_register
        from cms.privacy.export import exporter_register
        from cms.privacy.retention import retention_rule_register
        from cms.signals import curricula_loaded, lesson_front_matter

        # A knowledge check changes what trainees must answer: it goes live by co-author sign-off.
        signed_off_model_register("assessments.KnowledgeCheck")
        # The account page links to a person's own answers, to download or erase them.
        section_register("reflections", reflections_section)
        # A person's download of everything held about them (cms.privacy.export).
        exporter_register("assessments", assessment_files)
        # Erasing a whole person and the retention job: what reflections keep and what goes.
        erasure_part_register(assessments_erasure_part())
        for rule in assessments_retention_rules():
            retention_rule_register(rule)
        curricula_loaded.connect(load_knowledge_checks, dispatch_uid="assessments.knowledge_checks")
        curricula_loaded.connect(
            load_instruments, dispatch_uid="assessments.reflections.instruments"
        )
        lesson_front_matter.connect(
            knowledge_check_front_matter, dispatch_uid="assessments.knowledge_check_front_matter"
        )
