"""`make demo`'s last step: the web server, a task worker and the scheduler, together.

The three processes production runs (see the README): gunicorn serving the site, `db_worker`
running queued tasks (emails, reminders, the dashboard's figures) and `crontask` queueing the
periodic ones. Ctrl+C (or SIGTERM) stops all three; if one stops by itself, the others are
stopped too and the command says which one failed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

# How long each process may take to finish what it is doing once asked to stop.
STOP_WAIT_SECONDS = 10


def processes(*, address: str, workers: int) -> dict[str, list[str]]:
    """The command line of each process, by the name the console shows."""
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    python = sys.executable
    return {
        "web": [
            python,
            "-m",
            "gunicorn",
            "cms.wsgi",
            "--bind",
            address,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ],
        "worker": [python, manage, "db_worker", "--no-reload", "--interval", "1"],
        "scheduler": [python, manage, "crontask"],
    }


class Command(BaseCommand):
    help = (
        "Run the demonstration site as production runs it: the web server (gunicorn), a task "
        "worker (db_worker) and the scheduler (crontask), until Ctrl+C stops all three."
    )

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000", help="host:port to serve.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")

    def handle(self, *args, **options):
        # The same settings as this command's (manage.py or the Makefile chose them).
        env = os.environ | {"DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        running: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        failed = None
        try:
            for name, command in processes(
                address=options["address"], workers=options["workers"]
            ).items():
                # Each in its own process group: Ctrl+C reaches this command only, which then
                # stops them in order.
                # The commands are this project's own, built above from fixed words.
                running[name] = subprocess.Popen(  # noqa: S603
                    command, env=env, start_new_session=True
                )
                self.stdout.write(f"Started the {name} (process {running[name].pid}).")
            while not stopping:
                for name, process in running.items():
                    if process.poll() is not None:
                        failed = (name, process.returncode)
                        stopping = True
                        break
                time.sleep(0.2)
        finally:
            for process in running.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_WAIT_SECONDS
            for name, process in running.items():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                self.stdout.write(f"Stopped the {name}.")
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed is not None:
            name, code = failed
            raise CommandError(
                f"The {name} stopped by itself (exit status {code}), so the demo was stopped. "
                "Its messages are above."
            )
