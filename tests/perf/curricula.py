"""Benchmark: loading all of content/curricula, and serving a lesson page.

Reports medians; asserts nothing about time (the machines are shared and noisy).
Run with `make bench` (or `python tests/perf/curricula.py`).
"""

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main():
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from cms.curricula.files import parse_curricula
    from cms.curricula.loading import curricula_load
    from cms.models import LessonPage

    setup_test_environment()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("setup_demo", "--skip-migrate", "--skip-curricula", stdout=quiet)
    content = ROOT / "content" / "curricula"

    parse_times, fresh_times = [], []
    for _ in range(5):
        with transaction.atomic():
            started = time.perf_counter()
            programmes = parse_curricula(content)
            parsed = time.perf_counter()
            report = curricula_load(programmes=programmes)
            fresh_times.append(time.perf_counter() - started)
            parse_times.append(parsed - started)
            transaction.set_rollback(True)
    curricula_load(programmes=parse_curricula(content))
    again_times = []
    for _ in range(5):
        started = time.perf_counter()
        again = curricula_load(programmes=parse_curricula(content))
        again_times.append(time.perf_counter() - started)
    assert not again.changed

    lesson = LessonPage.objects.live().order_by("-minutes", "path").first()
    client = Client()
    client.get(lesson.url)
    render_times = []
    for _ in range(50):
        started = time.perf_counter()
        client.get(lesson.url)
        render_times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(lesson.url)

    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}"
    )
    print(
        f"load_curricula, all of content/ ({len(report.created)} files) into an empty site: "
        f"median {statistics.median(fresh_times):.2f} s (parse {statistics.median(parse_times):.2f} s) over 5 runs"
    )
    print(f"load_curricula again, nothing changed: median {statistics.median(again_times):.2f} s")
    print(
        f"lesson page {lesson.url} ({len(lesson.body)} blocks): median "
        f"{statistics.median(render_times) * 1000:.1f} ms over 50 requests, {len(queries)} queries"
    )


if __name__ == "__main__":
    main()
