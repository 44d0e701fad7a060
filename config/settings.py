"""Settings, read from the environment.

DJANGO_DEBUG        "1" for the demo and development (the Makefile sets it); off unless set
DJANGO_SECRET_KEY   required when debug is off
DJANGO_ALLOWED_HOSTS comma-separated; defaults to localhost names in debug
DATABASE_URL        e.g. postgres://user@127.0.0.1:5432/claims; SQLite file when unset
REDIS_URL           e.g. redis://127.0.0.1:6379/0: shared cache and sessions for several servers
"""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Off unless asked for: a forgotten variable must not run production in debug mode with the
# development key. `make demo` and the test settings turn it on.
DEBUG = env_flag("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(for development, set DJANGO_DEBUG=1)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()
]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "django_tasks_db",
    "axes",  # login throttling
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # a repeated signed-in GET of a page answered as it was sent until the database
    # changes: no session middleware, user, permissions, view or gzip (claims/pagecache.py)
    "claims.pagecache.PageCacheMiddleware",
    # HTML and JSON; whitenoise answers static files above with its own compressed copies.
    # BREACH: Django adds random bytes to each gzip header; see README "Speed".
    "django.middleware.gzip.GZipMiddleware",  # streaming responses (exports)
    "claims.middleware.QuickGZipMiddleware",  # the others, at level 4 (see the module)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "claims.middleware.LoginRequiredMiddleware",  # htmx-aware; see the module
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: turns a locked-out login into claims.lockout's 429 page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "claims.context_processors.navigation",
            ],
            # {% url %} resolved once per distinct link, in every template (the module says how)
            "builtins": ["claims.templatetags.links"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

if os.environ.get("DATABASE_URL"):
    # Persistent connections, checked before each request reuses one: after a PostgreSQL
    # restart the first request gets a fresh connection instead of an error.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's PostgreSQL with a health check that needs no round trip when the
        # server has sent nothing since the last request (claims/database/base.py)
        DATABASES["default"]["ENGINE"] = "claims.database"
        # Only the statements claims.compiled asks for are prepared (prepare=True): never
        # by count, as Django's default (None) also ensures, but None refuses them all.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8000;"
                ),
            },
            "CONN_MAX_AGE": int(os.environ.get("SQLITE_CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
            # Tests use a file, not ":memory:": an in-memory database is one connection
            # shared by the test and the live server's thread, and browser tests that
            # read the database while the page makes requests would race on it.
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "test-db.sqlite3"))},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked out for AXES_COOLOFF_TIME; a success resets the count.
# Locking by the pair (not the username alone) keeps a stranger from locking a colleague out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "claims.backends.RoleBackend",  # ModelBackend, permissions in one query
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "claims.lockout.lockout_response"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:source_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# The API docs page (templates/claims/api_docs.html) serves Swagger UI from django-ninja's
# static files. The folder is listed here rather than "ninja" in INSTALLED_APPS, which would
# import django-ninja and pydantic into every worker at startup (about 12 MiB); the API is
# loaded on its first request (config/urls.py).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    Path(importlib.util.find_spec("ninja").origin).parent / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: sources are plain text; nothing larger than this is read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SOURCE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024

# Data in and out (claims/services/exports.py, bulk_imports.py): who publishes ClaimReview
# exports, and what an import accepts (a zip's members, each file, and all of them together).
CLAIMREVIEW_PUBLISHER = {
    "name": os.environ.get("CLAIMREVIEW_PUBLISHER_NAME", "Claims tracker"),
    "url": os.environ.get("CLAIMREVIEW_PUBLISHER_URL", "http://127.0.0.1:8000/"),
}
IMPORT_MAX_FILES = 5000
IMPORT_MAX_FILE_BYTES = 20 * 1024 * 1024
IMPORT_MAX_TOTAL_BYTES = 500 * 1024 * 1024

# Background jobs (claims/tasks.py): Django's tasks framework on django-tasks-db's database
# backend; `manage.py db_worker` runs them. Job files (uploads, export results) live on disk
# under JOBS_ROOT, never in the database; every web server and worker must see that folder.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
JOBS_ROOT = Path(os.environ.get("DJANGO_JOBS_ROOT", MEDIA_ROOT / "jobs"))
JOBS_UPLOAD_MAX_BYTES = 100 * 1024 * 1024  # all files of one import form together

MAILERS = {
    "default": {
        "BACKEND": (
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend"
        ),
    }
}

# Content Security Policy: no inline scripts or styles anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Cache: fragments rendered once per version of the data (claims/caching.py), and sessions
# (read on every request; the database keeps them too: cached_db). Fragment keys derive
# from the data's versions, so per-process memory is safe for several workers. Sessions
# are not: a logout through one worker must end the session in every worker, so without
# Redis they are cached in files (DJANGO_SESSION_CACHE_DIR), which every worker of one
# machine shares. Several machines: REDIS_URL, one cache for fragments and sessions.
REDIS_URL = os.environ.get("REDIS_URL", "")
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "claims",
            "TIMEOUT": 60 * 60 * 24,
        }
    }
else:
    SESSION_CACHE_DIR = os.environ.get("DJANGO_SESSION_CACHE_DIR") or str(
        BASE_DIR / "var" / "sessions"
    )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "claims-fragments",
            "TIMEOUT": 60 * 60 * 24,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "sessions": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": SESSION_CACHE_DIR,
            "TIMEOUT": None,  # each entry gets the session's own expiry
            # past it, a third of the files go: those sessions are read from the database
            "OPTIONS": {"MAX_ENTRIES": 50000},
        },
        # whole pages per viewer (claims/pagecache.py), in each worker's memory: a write
        # leaves every kept page unreachable, so few entries, culled by a third when full
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "claims-pages",
            "TIMEOUT": 10 * 60,
            "OPTIONS": {"MAX_ENTRIES": 200},
        },
        # the page cache's generation (claims/pagecache.py), which every worker of the
        # machine reads: one file in a folder of its own, written over in place on every
        # write to the database (the sessions' folder holds a file per session)
        "generation": {
            "BACKEND": "claims.pagecache.GenerationFileCache",
            "LOCATION": os.path.join(SESSION_CACHE_DIR, "generation"),
            "TIMEOUT": None,
        },
    }
    SESSION_CACHE_ALIAS = "sessions"

# whole pages per viewer until the database changes (claims/pagecache.py); 0 turns it off
CLAIMS_PAGE_CACHE = env_flag("DJANGO_PAGE_CACHE", True)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it: the token is put on <body hx-headers>
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
