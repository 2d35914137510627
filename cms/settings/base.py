"""Settings shared by every environment.

Every value that comes from the environment is read here, in one place; `dev`, `test` and
`production` only choose defaults and refuse unsafe combinations.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default, *, least=1):
    value = env(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < least:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of at least {least}, not {value!r}."
        )
    return int(value)


def env_list(name, default=""):
    return [part.strip() for part in (env(name, default) or "").split(",") if part.strip()]


def site_url_checked(url):
    """SITE_URL as links need it: a whole address with its scheme, without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(
            f"SITE_URL must be the site's whole address, such as https://training.example.org, "
            f"not {url!r}."
        )
    return url.rstrip("/")


# --- values from the environment -------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
CACHE_URL = env("CACHE_URL") or env("REDIS_URL")
EMAIL_URL = env(
    "EMAIL_URL"
)  # smtp://user:password@host:587?tls=1, smtps://..., console:, file:///dir
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Co-training <no-reply@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TASKS_BACKEND = env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
# The site's own address: every link in an email or a calendar starts with it (Wagtail's
# moderation emails through WAGTAILADMIN_BASE_URL, ours through courses.common.links).
SITE_URL = env("SITE_URL")
SHOW_NHS_LOGO = env_bool("SHOW_NHS_LOGO", False)
SERVICE_NAME = env("SERVICE_NAME", "Co-training")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0"))
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
DEMO_PASSWORD = env("DEMO_PASSWORD", "co-produce-2026")
LOG_LEVEL = env("LOG_LEVEL", "INFO")
# Signing in with the organisation's account (README): each provider appears on the sign-in page
# only when its client id is set.
MICROSOFT_CLIENT_ID = env("MICROSOFT_CLIENT_ID")
MICROSOFT_CLIENT_SECRET = env("MICROSOFT_CLIENT_SECRET", "")
MICROSOFT_TENANT = env("MICROSOFT_TENANT", "organizations")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", "")
OIDC_ISSUER = env("OIDC_ISSUER")
OIDC_NAME = env("OIDC_NAME", "your organisation's account")
OIDC_PROVIDER_ID = env("OIDC_PROVIDER_ID", "oidc")

# --- applications ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "cms",
    "assessments",
    "courses",
    "wagtailnhsukfrontend",
    "wagtailmarkdown",  # the Markdown editor's EasyMDE bundle (cms.markdown_editing)
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.microsoft",
    "allauth.socialaccount.providers.openid_connect",
    "django_tasks_db",
    "crontask",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
]

MIDDLEWARE = [
    "cms.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.curricula.confirm.SignOffConfirmationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cms.middleware.PublicSiteContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth's: leads and administrators without a second factor are sent to set one up.
    "cms.middleware.SecondFactorRequiredMiddleware",
    "cms.sso.middleware.SignInProviderErrorsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"
AUTH_USER_MODEL = "cms.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.site_shell",
            ],
        },
    },
]
# Django forms render in NHS.UK markup (labels, hints, error messages) from templates/forms/.
FORM_RENDERER = "cms.forms.NHSUKFormRenderer"

# --- data --------------------------------------------------------------------------------------
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Wagtail search then uses PostgreSQL's full-text search.
    INSTALLED_APPS.append("django.contrib.postgres")
    # The dashboard's aggregates are short analytical queries: PostgreSQL's JIT compiler spent
    # longer compiling them than running them (7 s of 12 s at 100,000 trainees), so it is off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache with short timeouts, falling back to memory when Redis fails.
            "BACKEND": "cms.cache.ForgivingRedisCache",
            "LOCATION": CACHE_URL,
        }
    }
    # Sessions are written to the database and only read through the cache: they survive Redis.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
# The scheduler (`manage.py crontask`, django-crontask) puts periodic tasks on the queue. With a
# Redis URL it holds a lock there, so a second scheduler on another server waits rather than
# doubling every job; without one there is no lock: run exactly one scheduler.
CRONTASK = {"REDIS_URL": env("CRONTASK_REDIS_URL") or env("REDIS_URL")}

# --- text messages (GOV.UK Notify, cms/texts.py) ---------------------------------------------
# The API key from Notify's "API integration" page: `name-serviceid-secret`. Without one, texts
# print to the console (TEXTS_WITHOUT_KEY = "console": development, tests, the demo) or the
# feature is off (production: people who chose text are told by email or letter instead).
NOTIFY_API_KEY = env("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_TIMEOUT_SECONDS = env_int("NOTIFY_TIMEOUT_SECONDS", 10)
# The bearer token set in Notify's "Callbacks" page for delivery receipts (/notify/callback/).
NOTIFY_CALLBACK_TOKEN = env("NOTIFY_CALLBACK_TOKEN", "")
TEXTS_WITHOUT_KEY = "console"
# One Notify text template per kind of message, each holding only `((message))`; a kind without
# its own uses the default.
NOTIFY_TEMPLATE_DEFAULT = env("NOTIFY_TEMPLATE_DEFAULT", "")
NOTIFY_TEMPLATE_BOOKING_CONFIRMATION = env("NOTIFY_TEMPLATE_BOOKING_CONFIRMATION", "")
NOTIFY_TEMPLATE_WAITING_LIST = env("NOTIFY_TEMPLATE_WAITING_LIST", "")
NOTIFY_TEMPLATE_PLACE_OFFERED = env("NOTIFY_TEMPLATE_PLACE_OFFERED", "")
NOTIFY_TEMPLATE_BOOKING_CANCELLED = env("NOTIFY_TEMPLATE_BOOKING_CANCELLED", "")
NOTIFY_TEMPLATE_REMINDER = env("NOTIFY_TEMPLATE_REMINDER", "")
NOTIFY_TEMPLATE_CANCELLATION = env("NOTIFY_TEMPLATE_CANCELLATION", "")
NOTIFY_TEMPLATE_GROUP_MESSAGE = env("NOTIFY_TEMPLATE_GROUP_MESSAGE", "")
NOTIFY_TEMPLATE_CLAIM_CODE = env("NOTIFY_TEMPLATE_CLAIM_CODE", "")

# --- retention: how long each kind of data is kept (cms/privacy/retention.py) ----------------
# Read by the daily retention job (`apply_retention`) and stated on the privacy notice, so the
# page and the job never disagree. Each is a whole number of the unit in its name.
RETENTION = {
    # Reflection answers, after the course (or e-learning module) ends: the evaluation that
    # funders ask for runs over several years. The written answers are emptied; the ratings stay
    # for the totals (see cms/privacy/retention.py).
    "reflections": {"years": env_int("RETENTION_REFLECTIONS_YEARS", 7)},
    # Accounts nobody has signed in to (or, never signed in, made) for this long are erased.
    "inactive_accounts": {"years": env_int("RETENTION_INACTIVE_ACCOUNTS_YEARS", 3)},
    # Who downloaded personal data: long enough to answer a question about a download.
    "export_logs": {"years": env_int("RETENTION_EXPORT_LOGS_YEARS", 2)},
    # Sent emails in the outbox: they hold sign-in links and personal details; a week is enough
    # to answer "did my email go?".
    "sent_emails": {"days": env_int("RETENTION_SENT_EMAILS_DAYS", 7)},
    # Sent text messages: the same week, long enough to see whether a text was delivered.
    "sent_texts": {"days": env_int("RETENTION_SENT_TEXTS_DAYS", 7)},
}

# --- accounts (django-allauth) -----------------------------------------------------------------
# allauth's backend only (it is a ModelBackend, so permissions work as before): a password is
# checked by allauth's login, with its rate limits and mandatory verification (cms/urls.py).
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_ADAPTER = "cms.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "cms.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SERVICE_NAME}] "
# Five failed logins for one address lock it for five minutes; 30 attempts a minute per IP.
# allauth counts wrong second-factor codes (authenticator app, recovery code, security key) under
# the same "login_failed" action, keyed by the person: five wrong codes in five minutes and the
# sixth is refused, however right, until the five minutes pass ("mfa-auth-user-<id>" key).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    # Claiming an account staff made (cms/account/claim.py): codes asked for, per IP address
    # and per address typed; codes typed, per IP address (each code also takes 5 tries only).
    "claim_send": "10/h/ip,3/15m/key",
    "claim_check": "30/h/ip",
}
# Signing in with a security key alone (passkeys) is off; this limit is allauth's default, stated.
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}
LOGIN_URL = "account_login"

# --- two-step sign-in (allauth.mfa) -------------------------------------------------------------
# An authenticator app (TOTP) or a security key (WebAuthn), with recovery codes for a lost device.
# Who must set one up is cms.roles.must_set_up_second_factor, enforced by
# cms.middleware.SecondFactorRequiredMiddleware.
MFA_ADAPTER = "cms.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = SERVICE_NAME
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
# No tolerance for clock drift: a code is good for its own 30 seconds only, and used once.
MFA_TOTP_TOLERANCE = 0
MFA_RECOVERY_CODE_COUNT = 10
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
# allauth's forms with plain labels and messages ("That code is not right ...").
MFA_FORMS = {
    "authenticate": "cms.second_factors.forms.SignInCodeForm",
    "reauthenticate": "cms.second_factors.forms.ConfirmCodeForm",
    "activate_totp": "cms.second_factors.forms.SetUpAppForm",
    "add_webauthn": "cms.second_factors.forms.AddSecurityKeyForm",
    "edit_webauthn": "cms.second_factors.forms.RenameSecurityKeyForm",
}
# Security keys need HTTPS; only development, the demo and tests (plain http://127.0.0.1) turn
# this on, in their own settings files. Production leaves it off (tests/test_deploy.py).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False


def social_providers():
    """allauth's SOCIALACCOUNT_PROVIDERS from the environment: apps in settings, never in the
    database, so that an unset client id means no button and no half-configured provider."""
    providers = {}
    if MICROSOFT_CLIENT_ID:
        providers["microsoft"] = {
            "APPS": [
                {
                    "client_id": MICROSOFT_CLIENT_ID,
                    "secret": MICROSOFT_CLIENT_SECRET,
                    "settings": {"tenant": MICROSOFT_TENANT},
                }
            ]
        }
    if OIDC_CLIENT_ID:
        if not OIDC_ISSUER:
            raise ImproperlyConfigured(
                "OIDC_ISSUER must be the identity provider's address when OIDC_CLIENT_ID is set."
            )
        providers["openid_connect"] = {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": OIDC_PROVIDER_ID,
                    "name": OIDC_NAME,
                    "client_id": OIDC_CLIENT_ID,
                    "secret": OIDC_CLIENT_SECRET,
                    "settings": {"server_url": OIDC_ISSUER},
                }
            ],
        }
    return providers


def sign_in_provider_origins(providers):
    """Where each configured provider's sign-in page is: Microsoft's login address, and the
    origin of each OpenID Connect issuer (where its authorisation endpoint is in practice)."""
    origins = []
    if "microsoft" in providers:
        origins.append("https://login.microsoftonline.com")
    for app in providers.get("openid_connect", {}).get("APPS", []):
        parts = urlsplit(app["settings"]["server_url"])
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


SOCIALACCOUNT_ADAPTER = "cms.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = social_providers()
# The person always sees the sign-up form (their name, who they are), as with a password.
SOCIALACCOUNT_AUTO_SIGNUP = False
# Never sign in to, or link, an existing account because the identity provider says the address
# is verified: linking needs a code sent to that address (cms/sso/linking.py).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
LOGIN_REDIRECT_URL = "/"

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = SERVICE_NAME
# Development and the demo serve at this address; production builds it from its host name.
WAGTAILADMIN_BASE_URL = site_url_checked(SITE_URL or "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
# No shared passwords on private pages or documents: people sign in as themselves.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# No avatars fetched from gravatar.com: no third-party requests from the admin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "pptx", "txt", "rtf"]

# --- static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "cms.staticfinders.NHSUKFrontendFinder",
]
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "cms.storage.StaticFilesStorage"},
}

# --- security ---------------------------------------------------------------------------------
# The public site sends a Content-Security-Policy from Django's own middleware: nothing but this
# origin, no inline script. The Wagtail admin is exempt (see cms.middleware).
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# The sign-in buttons are forms whose answer redirects to the identity provider; browsers apply
# form-action to that redirect too, so the providers' sign-in origins are allowed there.
SECURE_CSP["form-action"] += sign_in_provider_origins(SOCIALACCOUNT_PROVIDERS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_on_one_line": {"()": "cms.log_filters.ClientErrorsOnOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_on_one_line"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Every background task and page save logs at INFO, and the scheduler every job it runs (its
    # lock's renewal every 5 seconds): noise in a console.
    "loggers": {
        name: {"level": "WARNING"}
        for name in ["django.tasks", "django_tasks", "wagtail", "apscheduler"]
    },
}


def mailer_from_url(url):
    """Turn EMAIL_URL into a Django 6.1 MAILERS entry."""

    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, smtps://, file://, locmem: or console:, not {url!r}."
        )
    query = parse_qs(parts.query)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": query.get("tls", ["0"])[0] in {"1", "true"},
            "timeout": 10,
        },
    }


def mailers(default_url):
    """Every email is saved to the outbox and sent after commit by a task (cms/outbox.py);
    "delivery" is the real mail server that task hands it to."""
    return {
        "default": {"BACKEND": "cms.outbox.OutboxBackend"},
        "delivery": mailer_from_url(EMAIL_URL or default_url),
    }


MAILERS = mailers("smtp://localhost:25")
