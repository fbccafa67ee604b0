"""Django settings: everything variable comes from the one ``StatsConfig`` object."""

from __future__ import annotations

import sys

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from emgapiv2.config import BASE_DIR, ConfigError, StatsConfig, load_config

try:
    STATS: StatsConfig = load_config()
    STATS.data_dir.mkdir(parents=True, exist_ok=True)
    SECRET_KEY = STATS.resolved_secret("secret_key")
    CLIENT_HASH_KEY = STATS.resolved_secret("client_hash_key")
except ConfigError as exc:
    print(exc, file=sys.stderr)
    raise ImproperlyConfigured(str(exc)) from None

DEBUG = STATS.debug
ALLOWED_HOSTS = STATS.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "emgapiv2.middleware.JsonApiErrorsMiddleware",
    "stats.api.protection.NulCharacterMiddleware",
    "stats.api.protection.CorsMiddleware",
    "stats.api.protection.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stats.api.auth.TokenAuthenticationMiddleware",
    "stats.api.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "emgapiv2.urls"
WSGI_APPLICATION = "emgapiv2.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = STATS.database_url or f"sqlite:///{STATS.data_dir / 'stats.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if STATS.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": STATS.redis_url,
            "KEY_PREFIX": "stats",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = STATS.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = STATS.data_dir / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HSTS is sent on HTTPS requests only; behind a TLS-terminating proxy trust its header.
SECURE_HSTS_SECONDS = STATS.security.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = STATS.security.hsts_include_subdomains
if STATS.security.behind_tls_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# request.body beyond this raises RequestDataTooBig (413 JSON under /api/); imports are
# the largest bodies, every other API body is checked against max_request_bytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(STATS.security.max_import_bytes, STATS.security.max_request_bytes)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "DEBUG"},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = STATS.api.page_size
BASE_PATH = BASE_DIR
