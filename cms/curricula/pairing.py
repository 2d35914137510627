"""Pairing a patient module with its counterpart on the professional track."""

from django.db import transaction
from django.db.models import Q

from cms.models import ModulePage, ModulePairing


@transaction.atomic
def module_pairing_set(*, patient_module: ModulePage, professional_module: ModulePage) -> bool:
    """Pair two modules one to one, replacing their old pairings. Returns whether it changed.

    Refused with a clear message unless one is on the patient track and one on the professional.
    """
    ModulePairing(patient_module=patient_module, professional_module=professional_module).clean()
    existing = ModulePairing.objects.filter(
        patient_module=patient_module, professional_module=professional_module
    ).exists()
    if existing:
        return False
    ModulePairing.objects.filter(
        Q(patient_module=patient_module) | Q(professional_module=professional_module)
    ).delete()
    ModulePairing.objects.create(
        patient_module=patient_module, professional_module=professional_module
    )
    return True
