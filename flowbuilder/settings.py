"""Flowbuilder settings: one module, driven by environment variables.

Defaults run everything on one machine with no services: a SQLite file under
``var/``, an in-memory channel layer, django-q2's ORM broker, and email stored
in the app's Outbox. ``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL`` switch on
PostgreSQL, Redis and SMTP. Every variable is listed in README.md and
``.env.example``; a value that cannot be used stops the process with
``ImproperlyConfigured`` naming the variable.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from flowbuilder.env import Env

django_stubs_ext.monkeypatch()

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.get_str("FLOWBUILDER_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------

DEBUG = env.get_bool("DEBUG", True)

SECRET_KEY = env.get_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Flowbuilder refuses to start without one; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, list the host names this server answers to, "
        "separated by commas (e.g. ALLOWED_HOSTS=flowbuilder.example.com)."
    )
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])
# Where people reach this app: links in emails (tracking, unsubscribe) start with it.
SITE_URL = env.url("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",  # must precede staticfiles: `runserver` then serves ASGI
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_q",
    "flowbuilder.core",
    "flowbuilder.accounts",
    "contacts",
    "journeys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "flowbuilder.accounts.middleware.UserPreferencesMiddleware",
    "flowbuilder.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "flowbuilder.urls"
WSGI_APPLICATION = "flowbuilder.wsgi.application"
ASGI_APPLICATION = "flowbuilder.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "flowbuilder.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASES: dict[str, dict[str, Any]] = {
    "default": env.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'flowbuilder.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the django-q2 cluster share one file: WAL lets readers run beside
    # the writer, IMMEDIATE transactions take the write lock up front instead of failing
    # half-way with "database is locked", and busy_timeout waits for the lock.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if not env.is_set("DATABASE_URL"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    _db["ENGINE"] = "django.db.backends.postgresql"
    # Server-side prepared statements for the hot queries that ask for them (segment
    # re-evaluation: planning 50 subqueries cost more than running them; bench/segments.py).
    # Turn off behind a transaction-mode pooler such as PgBouncer.
    if env.get_bool("DB_PREPARED_STATEMENTS", True):
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = 5
# Persistent connections: reconnecting per task cost the task cluster more than the task
# itself (bench/taskqueue.py, docs/decisions.md).
_db["CONN_MAX_AGE"] = env.get_int("DB_CONN_MAX_AGE", 60, minimum=0)
_db["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, task broker ----------------------------------

REDIS_URL = env.redis_url("REDIS_URL")

if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "flowbuilder",
        }
    }
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "flowbuilder"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# django-q2, tuned by bench/taskqueue.py on a 2-core machine with the ORM broker on PostgreSQL
# (docs/decisions.md): persistent connections (CONN_MAX_AGE above), no success rows
# (save_limit=-1: saving and pruning them locks the success table per task) and fetching
# 10 tasks per broker poll took no-op throughput from ~40 to ~300-360 tasks/s.
Q_TIMEOUT = env.get_int("Q_TIMEOUT", 300, minimum=1)
Q_CLUSTER: dict[str, Any] = {
    # The task queue's name in the broker: two installations sharing one Redis need different names.
    "name": env.get_str("Q_CLUSTER_NAME", "flowbuilder") or "flowbuilder",
    "workers": env.get_int("Q_WORKERS", 2, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 60,  # must exceed timeout, or a slow task runs twice
    "max_attempts": 3,
    "save_limit": -1,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.2,
    "bulk": 10,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth ---------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "en"
# The app speaks these; each has complete catalogues under locale/ (checked by the tests).
# Names are in their own language, as a language menu shows them.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("nl", "Nederlands"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language picked on the login page (before there is a user to remember it) lasts a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env.timezone("TIME_ZONE", "UTC")
# The workspace's currency: order revenue and lifetime value are shown in it.
CURRENCY = env.currency("CURRENCY", "EUR")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise warns on every start when the collectstatic target is missing (it is, until
# the first collectstatic; DEBUG serves from the app directories meanwhile).
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Email --------------------------------------------------------------------

_email = env.email("EMAIL_URL")
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_TLS = _email.use_tls
EMAIL_USE_SSL = _email.use_ssl
EMAIL_TIMEOUT = _email.timeout
EMAIL_IS_LOCAL = _email.backend == "flowbuilder.core.mail.StoredEmailBackend"
DEFAULT_FROM_EMAIL = env.get_str("DEFAULT_FROM_EMAIL", "Flowbuilder <flowbuilder@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Shared secret of the bounce and complaint webhook (POST /api/v1/email/events/); unset: disabled.
EMAIL_WEBHOOK_SECRET = env.get_str("EMAIL_WEBHOOK_SECRET")
# The frequency cap: at most this many marketing emails per contact in any EMAIL_CAP_DAYS days,
# over every journey (0: no cap). A capped send waits for room unless its step says to skip.
EMAIL_CAP_PER_CONTACT = env.get_int("EMAIL_CAP_PER_CONTACT", 0, minimum=0)
EMAIL_CAP_DAYS = env.get_int("EMAIL_CAP_DAYS", 7, minimum=1)

# --- Journeys executor ------------------------------------------------------------
# Seconds each run of the executor's ticker watches for waits coming due (it starts every
# minute, so keep it under 60); 0 turns the ticker off (then waits come due only on triggers).
EXECUTOR_TICK_SECONDS = env.get_int("EXECUTOR_TICK_SECONDS", 55, minimum=0)

# --- API ------------------------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "flowbuilder.accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["flowbuilder.accounts.permissions.HasRole"],
    "DEFAULT_PAGINATION_CLASS": "flowbuilder.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.rate("API_THROTTLE_USER", "3000/min"),
        "anon": env.rate("API_THROTTLE_ANON", "60/min"),
        "ingest": env.rate("API_THROTTLE_INGEST", "30000/min"),
    },
    "EXCEPTION_HANDLER": "flowbuilder.core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["flowbuilder.core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Flowbuilder API",
    "DESCRIPTION": (
        "Feed contacts and events into Flowbuilder and manage journeys. Authenticate with an "
        "API key from Settings → API keys: `Authorization: Bearer fb_…`. Errors always have the "
        'shape `{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SegmentKindEnum": "contacts.models.Segment.Kind",
        "StageKindEnum": "contacts.models.LifecycleStage.Kind",
        "ConsentEnum": "contacts.models.Contact.Consent",
        "ImportStatusEnum": "contacts.models.ContactImport.Status",
        "JourneyStatusEnum": "journeys.models.Journey.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "flowbuilder.core.schema.add_error_responses",
    ],
}

# --- Security -------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.get_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Secure by default once DEBUG is off; each can be turned off for a plain-HTTP install.
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env.get_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env.get_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env.get_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging --------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"])},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
