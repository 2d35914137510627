"""Which tutors count as tutors of a programme, for the curricula's sign-off (registered with
cms.curricula.programmes in CoursesConfig.ready)."""

from django.db.models import F, QuerySet
from django.utils import timezone

from courses.models import Accreditation


def programme_tutors() -> QuerySet:
    """Rows of `user_id` and `programme_id`: tutors in a site's pool, teaching, accredited for
    the programme today."""
    today = timezone.localdate()
    return Accreditation.objects.filter(
        tutor__is_active=True, accredited_on__lte=today, expires_on__gte=today
    ).annotate(user_id=F("tutor__user_id"))
