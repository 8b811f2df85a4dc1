"""Django settings for Rootmap, read from the environment.

Production is every run that is not development (ROOTMAP_DEBUG), demo (ROOTMAP_DEMO) or the
test suite (ROOTMAP_TESTING). Production demands a real secret key and turns on every
transport protection; `manage.py check --deploy` prints no warning with these settings.

DATABASE_URL            sqlite:///path or postgresql://... (default: rootmap.sqlite3 in the working folder)
ROOTMAP_SECRET_KEY      required in production: a random string of at least 50 characters
                        (demo and development: random per database, kept beside it)
ROOTMAP_DEBUG           development mode
ROOTMAP_DEMO            demo mode: shown on every page, two-factor sign-in not required
ROOTMAP_ALLOWED_HOSTS   comma-separated host names
ROOTMAP_CSRF_TRUSTED_ORIGINS  comma-separated https origins, when a proxy changes the host
                        (default: https:// and each of ROOTMAP_ALLOWED_HOSTS)
ROOTMAP_REQUIRE_2FA     TOTP second factor for every user (default: on, except in demo mode and tests)
ROOTMAP_BEHIND_PROXY    trust X-Forwarded-For/-Proto/-Host from a TLS-terminating reverse proxy
ROOTMAP_TRUSTED_PROXIES the proxy's addresses or networks (default 127.0.0.1,::1); the
                        headers are removed from requests coming from anywhere else
ROOTMAP_ALLOW_INSECURE  a reason: start production despite weak settings (logged)
ROOTMAP_SSL_REDIRECT    redirect http to https in production (default on)
ROOTMAP_HSTS_SECONDS    Strict-Transport-Security max-age in production (default one year)
ROOTMAP_HSTS_PRELOAD    ask browsers to preload HSTS for the host (default on)
ROOTMAP_AUDIT_KEY       key of the audit log's HMAC chain (default: derived from the secret key;
                        if set, at least 32 random characters in production)
ROOTMAP_PSEUDONYM_KEY   key of the de-identified export's pseudonyms
                        (default: derived from the secret key)
ROOTMAP_BACKUP_KEY      key of the backups' HMAC signature (default: derived from the secret key)
ROOTMAP_AUDIT_CHECKPOINT_FILE  where signed checkpoints of the audit chain's head are appended
                        (default: beside an SQLite database file, else in ROOTMAP_DATA_DIR or
                        ~/.local/share/rootmap; "off" keeps none)
ROOTMAP_AUDIT_CHECKPOINT_EVERY    checkpoint after every N audit entries (default 100; 0: never)
ROOTMAP_AUDIT_CHECKPOINT_MINUTES  and on the first entry after N minutes (default 60; 0: never)
ROOTMAP_EXPORT_K        the research export's k: each combination of quasi-identifiers is
                        shared by at least k clients (default 5)
ROOTMAP_LOCKOUT_FAILURES  failed sign-ins before a lockout (default 5)
ROOTMAP_LOCKOUT_MINUTES   how long a lockout lasts (default 30)
ROOTMAP_REDIS_URL       redis://host:port/db: the job queue (Celery) and the shared cache; unset, jobs
                        run in the web process and the cache is per process (docs/decisions/0019)
ROOTMAP_REDIS_PREFIX    prefix of every Redis key Rootmap writes (default "rootmap")
ROOTMAP_JOB_DIR         where finished jobs' files are kept, outside the web root (default: beside
                        an SQLite database file, else in ROOTMAP_DATA_DIR or ~/.local/share/rootmap)
ROOTMAP_JOB_HOURS       how long a finished job's file can be downloaded (default 24)
ROOTMAP_DOCUMENT_DIR    where documents' files (PDF, images) are kept, outside the web root (default:
                        beside an SQLite database file, else in ROOTMAP_DATA_DIR or ~/.local/share/rootmap)
ROOTMAP_DOCUMENT_MAX_MB the largest document file accepted, in MB (default 10)
ROOTMAP_JOB_RETRIES     how often a failing job is tried again before it is marked failed (default 3)
ROOTMAP_JOB_RETRY_SECONDS  the first wait before trying again, doubled each time (default 30)
ROOTMAP_JOB_STALE_SECONDS  a running job not heard from for this long is failed: its process died (default 300)
ROOTMAP_MAIL_RETRIES    how often a mail the SMTP server did not take is tried again (default 3)
ROOTMAP_MAIL_RETRY_SECONDS  the first wait before sending it again, doubled each time (default 30)
ROOTMAP_REMINDERS_EVERY_SECONDS  how often the worker's scheduler runs `reminders send` (default 3600;
                        it sends each digest once per person and period however often it runs)
ROOTMAP_EMAIL_URL       where mail goes: console:// (default), smtp://user:pass@host:port,
                        smtp+tls://... (STARTTLS), smtps://... (rootmap.web.email_url)
ROOTMAP_EMAIL_FROM      the sender of Rootmap's mail (default rootmap@<mail host>)
ROOTMAP_BASE_URL        the address people open Rootmap at (https://rootmap.example.org), for
                        the links in mail and printed by `rootmap init` / `rootmap user invite`
ROOTMAP_API_RATE_PER_MINUTE  requests one API token may make a minute (default 120)
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from rootmap.instruments.check import configured_problems, format_problems
from rootmap.web.email_url import EmailUrlError, email_settings
from rootmap.web.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("ROOTMAP_DEBUG", False)
DEMO_MODE = env_bool("ROOTMAP_DEMO", False)
TESTING = env_bool("ROOTMAP_TESTING", False)
PRODUCTION = not (DEBUG or DEMO_MODE or TESTING)

# Production: required (and checked with the other keys below). The test suite: a fixed
# key, its databases are thrown away. Demo and development: a random key per database,
# made on first use and kept beside it (rootmap.web.demo_keys), set after DATABASES below.
SECRET_KEY = env_str("ROOTMAP_SECRET_KEY", None if PRODUCTION else "")
if PRODUCTION and len(SECRET_KEY) < 50:
    # Never overridable: Django would sign sessions with a guessable key, or none.
    raise RuntimeError("ROOTMAP_SECRET_KEY must be a random string of at least 50 characters")
if TESTING and not SECRET_KEY:
    SECRET_KEY = "test-suite-key-for-throwaway-databases-only-0123456789"
ALLOWED_HOSTS = env_list("ROOTMAP_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# Origins a form may be posted from when the proxy's host differs from the one Django sees;
# by default the https origins of ROOTMAP_ALLOWED_HOSTS.
CSRF_TRUSTED_ORIGINS = env_list("ROOTMAP_CSRF_TRUSTED_ORIGINS", [
    "https://" + ("*" + host if host.startswith(".") else host)
    for host in ALLOWED_HOSTS if host != "*"
])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rootmap.web.accounts",
    "rootmap.web.clients",
    "rootmap.web.assessments",
    "rootmap.web.caregiving",
    "rootmap.web.audit",
    "rootmap.web.integrity",
    "rootmap.web.privacy",
    "rootmap.web.jobs",
    "rootmap.web.sources",
    # The REST API (/api/v1/) and personal API tokens; "ninja" serves its docs' own static files.
    "ninja",
    "rootmap.web.api",
]

MIDDLEWARE = [
    # First: X-Forwarded-* only from a trusted proxy, before anything reads them.
    "rootmap.web.transport.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The application answers GET and POST only; anything else is 405 before any view.
    "rootmap.web.transport.OnlyGetAndPostMiddleware",
    # Every page and download of the application: Cache-Control: no-store.
    "rootmap.web.transport.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses (400, naming the field) text no database stores the same: not UTF-8, NUL...
    "rootmap.web.validation.RequestTextGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Sends a signed-in user without a verified second factor to enrolment or verification.
    "rootmap.web.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rootmap.web.urls"
WSGI_APPLICATION = "rootmap.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rootmap.web.context_processors.rootmap",
            ],
            # Filters every app's templates share (the one display number, decision 0016).
            "libraries": {"rootmap_numbers": "rootmap.web.templatetags.rootmap_numbers"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{Path.cwd() / 'rootmap.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite's flush (used by the test suite) runs row-by-row DELETEs, which the integrity
    # triggers forbid; this engine lifts them for the flush and puts them back afterwards.
    DATABASES["default"]["ENGINE"] = "rootmap.web.integrity.sqlite3"
    # Django's default test database, said explicitly: pytest-django recognises an
    # in-memory SQLite test database by this name once the engine is not Django's own.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"
    # A small team on the embedded database: writers queue (BEGIN IMMEDIATE takes the write
    # lock at the start of a transaction, so none fails half-way when upgrading from a read)
    # and wait up to 20 s for the lock instead of answering "database is locked". The engine
    # turns on WAL, so pages are read while a write commits. See docs/decisions/0010.
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 20)

if not SECRET_KEY and not PRODUCTION:
    # Imported only outside production, the one case that derives a key for the demo.
    from rootmap.web.demo_keys import demo_secret_key

    SECRET_KEY = demo_secret_key(DATABASES["default"], Path.cwd())

# --- Sign-in -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out sign-in before any check
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Two-factor sign-in (TOTP) for everyone, except in demo mode and in tests not about it.
ROOTMAP_REQUIRE_2FA = env_bool("ROOTMAP_REQUIRE_2FA", not (DEMO_MODE or TESTING))
OTP_TOTP_ISSUER = "Rootmap"
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try

# Lockout after repeated failed sign-ins (django-axes), per user name and address, so that
# a stranger cannot lock a clinician out from elsewhere. Off in the test suite, whose
# client.login() carries no request; the security tests switch it on.
AXES_ENABLED = env_bool("ROOTMAP_LOCKOUT", not TESTING)
AXES_FAILURE_LIMIT = env_int("ROOTMAP_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ROOTMAP_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The same address the audit log records (behind the proxy: the address the proxy saw).
AXES_CLIENT_IP_CALLABLE = "rootmap.web.accounts.middleware.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions end after 15 idle minutes: every request renews the 15 minutes.
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# A password-reset link works for two hours; an invitation or first set-up link for seven
# days (rootmap.web.accounts.tokens). Both work once: setting the password voids them.
PASSWORD_RESET_TIMEOUT = 2 * 3600

# --- Mail: ROOTMAP_EMAIL_URL (rootmap.web.email_url); a bad URL stops start-up, named -------
try:
    _email = email_settings(env_str("ROOTMAP_EMAIL_URL", "console://"),
                            default_from=env_str("ROOTMAP_EMAIL_FROM", ""))
except EmailUrlError as _bad_email_url:
    raise RuntimeError(str(_bad_email_url)) from None
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
DEFAULT_FROM_EMAIL = _email["DEFAULT_FROM_EMAIL"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 20)
EMAIL_SUBJECT_PREFIX = "[Rootmap] "
# Links in mail and in `rootmap init` / `rootmap user invite`: the address people use.
ROOTMAP_BASE_URL = env_str("ROOTMAP_BASE_URL", "").strip().rstrip("/")

# --- Transport and browser protections ----------------------------------------------------
BEHIND_PROXY = env_bool("ROOTMAP_BEHIND_PROXY", False)
# Only connections from these addresses (or networks) may set X-Forwarded-*; from anywhere
# else the headers are removed first (rootmap.web.transport.TrustedProxyMiddleware).
TRUSTED_PROXIES = env_list("ROOTMAP_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
if BEHIND_PROXY:
    # Settings import nothing that loads Django's request machinery unless it is needed.
    from rootmap.web.transport import parse_proxies

    parse_proxies(TRUSTED_PROXIES)  # a bad address stops start-up, named
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("ROOTMAP_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("ROOTMAP_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("ROOTMAP_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-rootmap-session"  # browsers refuse it without https

# Strict Content-Security-Policy: no inline script or style anywhere, nothing from elsewhere.
# Scripts and stylesheets are static files; SVG is inline markup styled by classes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Keys derived for audit and privacy (see rootmap.web.keys) ------------------------------
ROOTMAP_AUDIT_KEY = env_str("ROOTMAP_AUDIT_KEY", "")
ROOTMAP_PSEUDONYM_KEY = env_str("ROOTMAP_PSEUDONYM_KEY", "")
ROOTMAP_BACKUP_KEY = env_str("ROOTMAP_BACKUP_KEY", "")

# --- The audit chain's head, anchored outside the database (rootmap.web.audit.checkpoints) --
ROOTMAP_AUDIT_CHECKPOINT_FILE = env_str("ROOTMAP_AUDIT_CHECKPOINT_FILE", "")  # "": the default place
ROOTMAP_AUDIT_CHECKPOINT_EVERY = env_int("ROOTMAP_AUDIT_CHECKPOINT_EVERY", 100)
ROOTMAP_AUDIT_CHECKPOINT_MINUTES = env_int("ROOTMAP_AUDIT_CHECKPOINT_MINUTES", 60)

# --- De-identified research export --------------------------------------------------------
ROOTMAP_EXPORT_K = env_int("ROOTMAP_EXPORT_K", 5)

# --- Instrument versions an organisation adds as data (docs/decisions/0015) ------------------
# ROOTMAP_INSTRUMENTS_DIR: folders (os.pathsep-separated) of versions like rootmap/instruments/v1.
# One that does not validate stops start-up with its problems, one line each, rather than
# failing on the first page that scores with it.
_INSTRUMENT_PROBLEMS = configured_problems()
if _INSTRUMENT_PROBLEMS:
    raise RuntimeError(format_problems(_INSTRUMENT_PROBLEMS))

# --- Production refuses weak settings (rootmap.web.weak_settings) ----------------------------
# ROOTMAP_ALLOW_INSECURE=<reason> lets a deliberate exception start, logged on every start.
ALLOW_INSECURE = env_str("ROOTMAP_ALLOW_INSECURE", "").strip()
INSECURE_SETTINGS: list[str] = []
if PRODUCTION:
    # Only production refuses weak settings; the demo and the tests never load the check.
    from rootmap.web.weak_settings import production_problems, refusal

    INSECURE_SETTINGS = production_problems(
        secret_key=SECRET_KEY, audit_key=ROOTMAP_AUDIT_KEY, pseudonym_key=ROOTMAP_PSEUDONYM_KEY,
        require_2fa=ROOTMAP_REQUIRE_2FA, lockout=AXES_ENABLED,
        backup_key=ROOTMAP_BACKUP_KEY)
    if INSECURE_SETTINGS and not ALLOW_INSECURE:
        raise RuntimeError(refusal(INSECURE_SETTINGS))
    if INSECURE_SETTINGS:
        import logging

        logging.getLogger("rootmap.security").warning(
            "Rootmap runs with weak settings, allowed by ROOTMAP_ALLOW_INSECURE=%r: %s",
            ALLOW_INSECURE, "; ".join(INSECURE_SETTINGS))

# --- Background jobs and the shared cache (rootmap.web.jobs; docs/decisions/0019) ----------
# With ROOTMAP_REDIS_URL, jobs go to Redis and separate worker processes (`rootmap worker`)
# run them; without it (the embedded default) they run in the web process once the request
# that asked for them has committed (Celery's eager mode), through the same code.
ROOTMAP_REDIS_URL = env_str("ROOTMAP_REDIS_URL", "")
ROOTMAP_REDIS_PREFIX = env_str("ROOTMAP_REDIS_PREFIX", "rootmap")
ROOTMAP_JOB_DIR = env_str("ROOTMAP_JOB_DIR", "")  # "": the default place (rootmap.web.jobs.storage)
ROOTMAP_JOB_HOURS = env_int("ROOTMAP_JOB_HOURS", 24)
# Documents' files (rootmap.web.sources): "" is the default place (rootmap.web.sources.storage).
ROOTMAP_DOCUMENT_DIR = env_str("ROOTMAP_DOCUMENT_DIR", "")
ROOTMAP_DOCUMENT_MAX_MB = env_int("ROOTMAP_DOCUMENT_MAX_MB", 10)
ROOTMAP_JOB_RETRIES = env_int("ROOTMAP_JOB_RETRIES", 3)
ROOTMAP_JOB_RETRY_SECONDS = env_int("ROOTMAP_JOB_RETRY_SECONDS", 30)
# A running job not heard from for this long lost its process, and is failed (jobs.sweep).
ROOTMAP_JOB_STALE_SECONDS = env_int("ROOTMAP_JOB_STALE_SECONDS", 300)
ROOTMAP_MAIL_RETRIES = env_int("ROOTMAP_MAIL_RETRIES", 3)
ROOTMAP_MAIL_RETRY_SECONDS = env_int("ROOTMAP_MAIL_RETRY_SECONDS", 30)
CELERY_BROKER_URL = ROOTMAP_REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not ROOTMAP_REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True  # a job's state is its Job row, not Celery's result store
CELERY_TASK_DEFAULT_QUEUE = f"{ROOTMAP_REDIS_PREFIX}-jobs"
# Every key in Redis under the prefix, so that several installations (or test runs) share one.
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{ROOTMAP_REDIS_PREFIX}:"}
# A job is taken off the queue only when it has finished: a worker killed half-way leaves it
# there for another (never lost), and each worker takes one job at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# The worker's scheduler (`rootmap worker` runs it unless --no-beat): reminders every hour
# (sending is idempotent per day and period) and expired job files every hour.
CELERY_BEAT_SCHEDULE = {
    "reminders": {"task": "rootmap.reminders.send",
                  "schedule": float(env_int("ROOTMAP_REMINDERS_EVERY_SECONDS", 3600))},
    "expired-job-files": {"task": "rootmap.jobs.purge", "schedule": 3600.0},
    "abandoned-jobs": {"task": "rootmap.jobs.sweep", "schedule": 60.0},
}
# Sessions are in the database, so every process behind one database shares them. The cache
# is shared through Redis when there is one, else it is each process's own memory.
CACHES = {"default": (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ROOTMAP_REDIS_URL,
     "KEY_PREFIX": f"{ROOTMAP_REDIS_PREFIX}:cache"}
    if ROOTMAP_REDIS_URL else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only for `collectstatic`; left unset, whitenoise serves from the package (finders) and does
# not warn about a missing directory.
STATIC_ROOT = Path(env_str("ROOTMAP_STATIC_ROOT")) if env_str("ROOTMAP_STATIC_ROOT", "") else None
STATICFILES_DIRS = [BASE_DIR / "static"]  # rootmap/web/static: the app's own css and htmx
WHITENOISE_USE_FINDERS = True  # serve straight from the package, no collectstatic needed
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per API token (rootmap.web.api.auth): counted in Django's cache, so per process unless a
# shared cache is configured.
ROOTMAP_API_RATE_PER_MINUTE = env_int("ROOTMAP_API_RATE_PER_MINUTE", 120)

# A server error's traceback goes to standard error (waitress's log) outside development
# too, where Django would otherwise only mail it to ADMINS (none are set): an operator sees
# why a request failed, and the load benchmark counts "database is locked" there.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"production": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "filters": ["production"]}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
