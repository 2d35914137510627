"""Local development: `make demo`. Emails print to the console; SQLite unless DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import EMAIL_URL, env, env_bool, env_list

DEBUG = env_bool("DEBUG", True)
# A fixed, clearly-marked key is fine on a developer's machine; production refuses to start without one.
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
if not EMAIL_URL:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")}}
