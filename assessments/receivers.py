"""Knowledge checks travel with their lessons between content/ and the CMS (cms.signals)."""

from .front_matter import front_matter_for
from .models import KnowledgeCheck
from .services import knowledge_checks_load


def load_knowledge_checks(sender, *, programmes, pages_by_path, report, force=False, **kwargs):
    knowledge_checks_load(
        programmes=programmes, pages_by_path=pages_by_path, report=report, force=force
    )


def knowledge_check_front_matter(sender, *, lesson, **kwargs):
    check = KnowledgeCheck.objects.filter(lesson_id=lesson.pk).order_by().first()
    return {"knowledge_check": front_matter_for(check)} if check else {}
