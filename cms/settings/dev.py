"""Local development: `make demo`. Emails print to the console; SQLite unless DATABASE_URL is set."""

from cms.settings.base import *  # noqa: F403
from cms.settings.base import env, env_bool, env_list, mailers

DEBUG = env_bool("DEBUG", True)
# A fixed, clearly-marked key is fine on a developer's machine; production refuses to start without one.
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
MAILERS = mailers("console:")  # emails print in the terminal that runs the site
TASKS = {
    "default": {"BACKEND": env("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")}
}
# Security keys on plain http://127.0.0.1 (never in production, which keeps base's False).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
