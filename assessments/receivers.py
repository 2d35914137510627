"""Knowledge checks travel with their lessons between content/ and the CMS (cms.signals), and
loading the curricula loads their programmes' reflection questionnaires."""

from assessments.knowledge_checks.front_matter import front_matter_for
from assessments.knowledge_checks.services import knowledge_checks_load
from assessments.models import KnowledgeCheck
from assessments.reflections.instruments import (
    InstrumentFileError,
    instruments_directory,
    instruments_load,
)
from cms.curricula.loading import CurriculumLoadError


def load_knowledge_checks(sender, *, programmes, pages_by_path, report, force=False, **kwargs):
    knowledge_checks_load(
        programmes=programmes, pages_by_path=pages_by_path, report=report, force=force
    )


def knowledge_check_front_matter(sender, *, lesson, **kwargs):
    check = KnowledgeCheck.objects.filter(lesson_id=lesson.pk).order_by().first()
    return {"knowledge_check": front_matter_for(check)} if check else {}


def load_instruments(sender, *, programmes, report, force=False, **kwargs):
    """The questionnaires in content/instruments of the programmes just loaded, in the same
    transaction; a bad file aborts the whole load, like a bad curriculum file."""
    try:
        loaded = instruments_load(
            directory=instruments_directory(),
            programme_slugs={programme.slug for programme in programmes},
            force=force,
        )
    except InstrumentFileError as error:
        raise CurriculumLoadError(str(error)) from error
    report.created += [path for path, _message in loaded.created]
    report.updated += [path for path, _message in loaded.updated]
    report.unchanged += [path for path, _message in loaded.unchanged]
    report.skipped += [path for path, _message in loaded.skipped]
