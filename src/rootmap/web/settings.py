"""Django settings for Rootmap, read from the environment.

DATABASE_URL       sqlite:///path or postgresql://... (default: rootmap.sqlite3 in the working folder)
ROOTMAP_SECRET_KEY required unless ROOTMAP_DEBUG or ROOTMAP_DEMO is on
ROOTMAP_DEBUG      development mode
ROOTMAP_DEMO       demo mode: shown on every page
ROOTMAP_ALLOWED_HOSTS  comma-separated host names
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from rootmap.web.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("ROOTMAP_DEBUG", False)
DEMO_MODE = env_bool("ROOTMAP_DEMO", False)
TESTING = env_bool("ROOTMAP_TESTING", False)

_insecure_allowed = DEBUG or DEMO_MODE or TESTING
SECRET_KEY = env_str(
    "ROOTMAP_SECRET_KEY",
    "insecure-development-key-never-use-in-production" if _insecure_allowed else None,
)
ALLOWED_HOSTS = env_list("ROOTMAP_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rootmap.web.accounts",
    "rootmap.web.clients",
    "rootmap.web.assessments",
    "rootmap.web.caregiving",
    "rootmap.web.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{Path.cwd() / 'rootmap.sqlite3'}"),
        conn_max_age=60,
    )
}

AUTH_USER_MODEL = "accounts.User"
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

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ROOTMAP_STATIC_ROOT", str(Path.cwd() / "var" / "static")))
WHITENOISE_USE_FINDERS = True  # serve straight from the package, no collectstatic needed
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
