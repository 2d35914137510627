"""Two refreshes of the dashboard's figures at once take turns (proven on PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from courses.dashboard.figures import figures_refresh
from courses.models import CohortFigures, CourseRun, FiguresRefresh, SessionFigures
from tests.courses.dashboard import dashboard_builders

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL (CI runs it)"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_refreshes_at_once_leave_one_set_of_figures(riverside, hillside, programmes):
    dashboard_builders.build(riverside, hillside, programmes)
    barrier = threading.Barrier(2)
    failures = []

    def refresh():
        try:
            barrier.wait(timeout=10)
            figures_refresh()
        except Exception as error:  # noqa: BLE001 - reported below, whatever it is
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    runs = CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED)
    assert CohortFigures.objects.filter(run__isnull=False).count() == runs.count()
    assert SessionFigures.objects.count() == 10  # runs A (3), B (3), C (1), H (2), H2 (1)
    assert FiguresRefresh.objects.count() == 1
