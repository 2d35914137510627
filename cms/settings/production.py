"""Production: refuses to start without a secret key and allowed hosts; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from cms.settings.base import *  # noqa: F403
from cms.settings.base import (
    ALLOWED_HOSTS,
    SECRET_KEY,
    SECURE_HSTS_SECONDS,
    SITE_URL,
    env_bool,
    site_url_checked,
)

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random value "
        "(for example the output of `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Set the ALLOWED_HOSTS environment variable to the site's host "
        "names, separated by commas (for example training.example.org)."
    )

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = SECURE_HSTS_SECONDS or 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Links in emails and the admin point at the real host, never the development default: SITE_URL,
# or else https:// and the first allowed host name.
WAGTAILADMIN_BASE_URL = site_url_checked(SITE_URL or f"https://{ALLOWED_HOSTS[0].lstrip('.')}")
# Text messages go through GOV.UK Notify only: without NOTIFY_API_KEY the feature is off (never
# the console), and people who chose text are told by email or letter (cms.texts.texts_enabled).
TEXTS_WITHOUT_KEY = "off"
