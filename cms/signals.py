"""Signals sent while curricula move between content/ and the CMS.

Apps that build on cms (which cms must not import) hook in here to load and export what they
keep about a lesson, such as its knowledge check.
"""

from django.dispatch import Signal

# Sent by cms.curricula.loading.curricula_load inside its transaction, before a dry run is rolled
# back, with: programmes (the parsed ProgrammeSource list), pages_by_path (document path -> page,
# for every programme, module and lesson page of the load, unchanged and skipped ones included),
# report (the LoadReport) and force. A receiver may raise CurriculumLoadError to abort the load.
curricula_loaded = Signal()

# Sent by the export_curricula command for each lesson, with: lesson (a LessonPage). Each receiver
# returns a dict of front-matter fields to add to the lesson's file ({} for none).
lesson_front_matter = Signal()
