"""Siyana's settings, all read from the environment (12-factor) through siyana.env.

The embedded default needs no variable at all: SQLite in WAL mode under DATA_DIR, no
broker, Arabic first. Production sets DATABASE_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.logging import logging_config
from siyana.env import cache_settings, env_bool, env_choice, env_int, env_list, env_secret, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    # No key given: keep one generated key in the data directory, so sessions survive a
    # restart of the embedded default without anyone having to invent a secret.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Fernet keys for secrets at rest (SNMP credentials), newest first; empty: derived from SECRET_KEY.
ENCRYPTION_KEYS = [k.strip() for k in (env_secret("ENCRYPTION_KEYS") or "").split(",") if k.strip()]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "assets",
    "notifications",
    "maintenance",
    "netmon",
    "reports",
    "tablet",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ArabicFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ChangeLoggingMiddleware",
]

ROOT_URLCONF = "siyana.urls"
WSGI_APPLICATION = "siyana.wsgi.application"
ASGI_APPLICATION = "siyana.asgi.application"

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
                "core.context_processors.siyana",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'siyana.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # libpq waits for ever on a server that does not answer; give up after a few seconds
    # (?connect_timeout=N in DATABASE_URL sets another).
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", "5")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["core.security.ProfileModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in lockout (core.security): this many failures per user name, or per client address, within
# the window lock sign-in through that name or address for LOGIN_LOCKOUT_MINUTES.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20, minimum=1)  # a school shares one
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# Arabic first, English too.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "ar")
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE={LANGUAGE_CODE!r} is not one of {sorted(dict(LANGUAGES))}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Amman")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "reports.staticfiles.PlotlyFinder",  # vendor/plotly/plotly.min.js, from the plotly wheel
]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Ticket photos and files live under MEDIA_ROOT (outside the code tree) and are served only
# through views that check the user may see the ticket; MEDIA_URL is never routed.
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 10, minimum=1)
# Inventory imports (assets.imports): bigger files or more rows are refused with a clear message.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 10, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50000, minimum=1)
# Escalation level 2: the ministry-level IT centre's address (empty: recorded on the ticket only).
ESCALATION_MINISTRY_EMAIL = env_str("ESCALATION_MINISTRY_EMAIL", "")
# Level 2 comes when the resolution clock has used its target plus this percent of it (50: 12 of 8 working hours).
SLA_ESCALATION_LEVEL2_PERCENT = env_int("SLA_ESCALATION_LEVEL2_PERCENT", 50, minimum=0)
# Static files come from the app itself (never a CDN): schools and test machines have no internet.
WHITENOISE_AUTOREFRESH = DEBUG

# Static files in production (the image sets STATIC_MANIFEST=true and runs collectstatic when it is
# built): whitenoise serves STATIC_ROOT's compressed files under hashed names, cached for ever.
# `make run` and the tests keep plain names served from the finders, so a new static file never
# waits for a collectstatic.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# HTTPS. SECURE=true when users reach the site over https (production): secure cookies, HSTS and
# the redirect from http. Behind a reverse proxy that ends TLS, also SECURE_BEHIND_PROXY=true: the
# proxy must set X-Forwarded-Proto (and strip it from clients). The embedded default (`make run`)
# serves plain http on 127.0.0.1, so all of this is off unless asked for.
SECURE = env_bool("SECURE", False)
if env_bool("SECURE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
# The container's health checks speak plain http to the process itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preload asks browsers' built-in lists to hold the domain for https for good: a decision for the
# domain's owner (and hstspreload.org), not a default. Off, check --deploy's reminder is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
# CSRF_COOKIE_HTTPONLY stays False: the tablet's offline sync (static/tablet/tablet.js) reads it.
# Content-Security-Policy (core.headers): only our own origin may supply scripts, styles, images,
# fonts, workers and fetches; no plugins, no framing, no <base> or form posts elsewhere. Scripts
# and styles keep 'unsafe-inline': the report dashboard, the change history and the printed forms
# carry inline <script>/onclick and plotly styles elements inline. Empty: no header.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.auth.ApiTokenAuthentication",  # hashed keys (core.models.ApiToken), not DRF's authtoken
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.base.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.base.Pagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50, minimum=1),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.base.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Siyana API",
    "DESCRIPTION": "Inventory, monitoring and QF75-11 maintenance tickets of an education directorate.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar, served by us: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        # one enum name per choice set of the tickets, wherever it appears (e.g. a transition's `to`)
        "TicketStatusEnum": "maintenance.choices.TicketStatus.choices",
        "TicketCategoryEnum": "maintenance.choices.TicketCategory.choices",
        "TicketTypeEnum": "maintenance.choices.TicketType.choices",
        # the field visits' (issue 7)
        "VisitStatusEnum": "maintenance.choices.VisitStatus.choices",
        "VisitPurposeEnum": "maintenance.choices.VisitPurpose.choices",
        "CheckResultEnum": "maintenance.choices.CheckResult.choices",
        # asset models' and assets' category; targets', checks' and outages' monitored status
        "AssetCategoryEnum": "assets.choices.AssetCategory.choices",
        "MonitorStatusEnum": "netmon.choices.MonitorStatus.choices",
        "FindingConditionEnum": "maintenance.choices.FindingCondition.choices",
    },
}

# The poller (netmon). See README "Configuration".
NETMON_SELF_CLOSE_MINUTES = env_int("NETMON_SELF_CLOSE_MINUTES", 15, minimum=0)  # 0: never self-close
NETMON_DISCOVERY_HOURS = env_int("NETMON_DISCOVERY_HOURS", 6, minimum=1)
NETMON_RAW_DAYS = env_int("NETMON_RAW_DAYS", 7, minimum=1)
NETMON_ROLLUP_5M_DAYS = env_int("NETMON_ROLLUP_5M_DAYS", 90, minimum=1)
NETMON_ROLLUP_1H_DAYS = env_int("NETMON_ROLLUP_1H_DAYS", 730, minimum=1)
NETMON_BATCH_SIZE = env_int("NETMON_BATCH_SIZE", 500, minimum=1)
NETMON_ICMP_CONCURRENCY = env_int("NETMON_ICMP_CONCURRENCY", 500, minimum=1)
NETMON_ICMP_RATE = env_int("NETMON_ICMP_RATE", 2000, minimum=0)  # echo requests/s; 0: unpaced
NETMON_SNMP_CONCURRENCY = env_int("NETMON_SNMP_CONCURRENCY", 16, minimum=1)
METRICS_TOKEN = env_secret("METRICS_TOKEN")  # /metrics: Bearer token; unset: loopback or signed-in staff

# Celery (production scale-out; `manage.py poll` needs none of it). REDIS_URL serves as broker and results.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-batch: the batch goes back to the queue
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ROUTES = {
    "netmon.poll_batch": {"queue": "netmon"},
    "netmon.dispatch_due": {"queue": "scheduler"},
    "netmon.housekeeping": {"queue": "scheduler"},
    "notifications.deliver": {"queue": "notifications"},
    "notifications.deliver_due": {"queue": "notifications"},
    "maintenance.escalate_due": {"queue": "tickets"},
    "maintenance.generate_visits": {"queue": "tickets"},
}
CELERY_BEAT_SCHEDULE = {
    "netmon-dispatch-due": {
        "task": "netmon.dispatch_due",
        "schedule": env_int("NETMON_DISPATCH_EVERY_S", 5, minimum=1),
    },
    "netmon-housekeeping": {"task": "netmon.housekeeping", "schedule": 300},
    "notifications-deliver-due": {"task": "notifications.deliver_due", "schedule": 60},
    # SLA escalation; a run not started within the minute is dropped (the next one does its work).
    "maintenance-escalate-due": {"task": "maintenance.escalate_due", "schedule": 60, "options": {"expires": 55}},
    # The preventive maintenance plans' visits, once a day (idempotent: a missed or repeated run does no harm).
    "maintenance-generate-visits": {
        "task": "maintenance.generate_visits",
        "schedule": crontab(hour=5, minute=10),
        "options": {"expires": 6 * 3600},
    },
}
# Record retention (manage.py retention): where `--purge --archive` keeps its restorable copies.
RETENTION_ARCHIVE_DIR = Path(env_str("RETENTION_ARCHIVE_DIR", str(DATA_DIR / "archive")))

# Notifications: e-mail and SMS through an outbox with retries. See README "Notifications".
# E-mail goes by SMTP when EMAIL_HOST is set, else to the console (development); SMS goes
# to the HTTP gateway when NOTIFY_SMS_URL is set, else to the console.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("set either EMAIL_USE_TLS or EMAIL_USE_SSL, not both")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)  # seconds; Django's default waits forever
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Siyana <siyana@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Celery sends them when a broker is configured (REDIS_URL or CELERY_BROKER_URL set), else
# the process that queued them does, right after the commit (and `manage.py send_notifications` retries).
NOTIFY_CELERY = env_bool("NOTIFY_CELERY", bool(REDIS_URL or env_str("CELERY_BROKER_URL")))
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 300, minimum=10)
NOTIFY_SITE_URL = env_str("NOTIFY_SITE_URL", "http://127.0.0.1:8000")  # links in messages
NOTIFY_SMS_URL = env_str("NOTIFY_SMS_URL", "")
if NOTIFY_SMS_URL and not NOTIFY_SMS_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("NOTIFY_SMS_URL must be an http:// or https:// URL")
NOTIFY_SMS_BACKEND = env_str(
    "NOTIFY_SMS_BACKEND",
    "notifications.backends.HttpGatewaySmsBackend" if NOTIFY_SMS_URL else "notifications.backends.ConsoleSmsBackend",
)
NOTIFY_SMS_FORMAT = env_choice("NOTIFY_SMS_FORMAT", "json", {"json", "form"})
NOTIFY_SMS_TO_FIELD = env_str("NOTIFY_SMS_TO_FIELD", "to")
NOTIFY_SMS_TEXT_FIELD = env_str("NOTIFY_SMS_TEXT_FIELD", "text")
# Fixed fields sent with every SMS, e.g. "sender=MOE-IT,unicode=1".
NOTIFY_SMS_EXTRA = dict(item.split("=", 1) for item in env_list("NOTIFY_SMS_EXTRA", []) if "=" in item)
if len(NOTIFY_SMS_EXTRA) != len(env_list("NOTIFY_SMS_EXTRA", [])):
    raise ImproperlyConfigured("NOTIFY_SMS_EXTRA must be comma-separated name=value pairs, each name once")
NOTIFY_SMS_TOKEN = env_secret("NOTIFY_SMS_TOKEN") or ""
NOTIFY_SMS_TOKEN_HEADER = env_str("NOTIFY_SMS_TOKEN_HEADER", "Authorization")
NOTIFY_SMS_TOKEN_SCHEME = env_str("NOTIFY_SMS_TOKEN_SCHEME", "Bearer")  # empty: the header is the bare token
NOTIFY_SMS_TIMEOUT = env_int("NOTIFY_SMS_TIMEOUT", 10, minimum=1)

# The cache: rate limits of the public pages (siyana.env.cache_settings: Redis when REDIS_URL is set).
CACHES = cache_settings(REDIS_URL)

# The requester's public pages (no account): look a ticket up by number and phone (/track/),
# answer a resolution by its signed link. See maintenance/public.py.
PUBLIC_LOOKUP_PER_IP = env_int("PUBLIC_LOOKUP_PER_IP", 10, minimum=1)  # look-ups per client address…
PUBLIC_LOOKUP_PER_NUMBER = env_int("PUBLIC_LOOKUP_PER_NUMBER", 5, minimum=1)  # …failed ones per ticket number…
PUBLIC_LOOKUP_WINDOW_SECONDS = env_int("PUBLIC_LOOKUP_WINDOW_SECONDS", 600, minimum=1)  # …per window
# Reverse proxies in front of the web service that append the client's address to
# X-Forwarded-For (0: none, REMOTE_ADDR is the client). Behind a proxy, set it: else every
# requester shares the proxy's address and its rate limit.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
FEEDBACK_LINK_DAYS = env_int("FEEDBACK_LINK_DAYS", 30, minimum=1)  # how long a resolution's answer link works

# Logs: one JSON object per line (core.logging) for the log collector — the image sets
# LOG_FORMAT=json —, or the plain line `make run` prints. Passwords in URLs and secret-named
# extra fields are masked either way.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", {"plain", "json"})
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
if LOG_FORMAT == "json":
    logging.captureWarnings(True)  # Python's warnings become JSON lines too (logger "py.warnings")

# /readyz checks the broker when one is configured (REDIS_URL or CELERY_BROKER_URL set), and the
# cache's Redis when it is another server; each check gives up after this many seconds.
READYZ_CHECK_BROKER = bool(REDIS_URL or env_str("CELERY_BROKER_URL"))
READYZ_TIMEOUT_SECONDS = env_int("READYZ_TIMEOUT_SECONDS", 2, minimum=1)
