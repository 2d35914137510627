"""`make demo`: the demonstration site, run on one machine as it runs in production.

DEBUG is off, so a mistyped address shows the site's own "page not found" (templates/404.html),
never Django's technical page listing every URL; static files are the hashed, compressed ones of
`collectstatic`, served by whitenoise; tasks wait in the database for the worker (`db_worker`),
and the scheduler (`crontask`) queues the periodic ones (reminders, the dashboard's figures).
Emails print in the terminal. Not for real use: a fixed secret key and plain HTTP on this
machine (the development settings' defaults).
"""

from cms.settings.base import DATABASES, env, env_bool
from cms.settings.dev import *  # noqa: F403

DEBUG = env_bool("DEBUG", False)
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Three processes share one SQLite file: writers wait their turn instead of failing with
    # "database is locked", and readers never wait for a writer (write-ahead log).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
