"""Reads for the curriculum pages, each shaped for one page with a fixed number of queries."""

from itertools import zip_longest

from django.db.models import Q
from django.http import Http404

from cms.curricula.vocabulary import Track
from cms.models import LessonPage, ModulePage, ModulePairing


def module_pair_side_by_side(*, module_id: int):
    """A module and its counterpart, patient track on the left, with their activities in
    teaching order, aligned row by row. 404 when the module is not live or not paired."""
    module = ModulePage.objects.live().filter(pk=module_id).first()
    if module is None:
        raise Http404("No such module.")
    pairing = ModulePairing.objects.filter(
        Q(patient_module=module) | Q(professional_module=module)
    ).first()
    if pairing is None:
        raise Http404("This module has no counterpart.")
    modules = {
        page.pk: page
        for page in ModulePage.objects.live()
        .filter(pk__in=[pairing.patient_module_id, pairing.professional_module_id])
        .select_related("lay_author", "clinical_author")
    }
    if len(modules) != 2:
        raise Http404("The counterpart is not published.")
    patient, professional = (
        modules[pairing.patient_module_id],
        modules[pairing.professional_module_id],
    )
    lessons = LessonPage.objects.live().filter(
        path__startswith=patient.path
    ) | LessonPage.objects.live().filter(path__startswith=professional.path)
    columns = {patient.pk: [], professional.pk: []}
    for lesson in lessons.order_by("path"):
        owner = patient if lesson.path.startswith(patient.path) else professional
        for activity in lesson.activities():
            columns[owner.pk].append({"lesson": lesson.title, **activity})
    rows = list(zip_longest(columns[patient.pk], columns[professional.pk]))
    return {
        "patient_module": patient,
        "professional_module": professional,
        "rows": rows,
        "patient_minutes": sum(activity["minutes"] for activity in columns[patient.pk]),
        "professional_minutes": sum(activity["minutes"] for activity in columns[professional.pk]),
        "tracks": Track,
    }


def lesson_search(*, query: str):
    return LessonPage.objects.live().specific().search(query, operator="and")
