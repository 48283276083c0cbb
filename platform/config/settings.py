"""Omtag settings: one file, read from the environment.

Defaults run on one machine (SQLite, in-memory channel layer, local-memory cache).
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL; a missing
required setting stops start-up with a message that names it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the repository
PLATFORM_DIR = BASE_DIR / "platform"
VAR_DIR = Path(environ.Env().str("OMTAG_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "value (for example the output of `python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'`). Only DEBUG=1 generates one by itself."
        )
    # Development only: generated once and kept, so sessions survive a restart.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# Keys the hash under which personal identity numbers are kept (accounts.identity). Set it in
# production and never change it: a new key unbinds every e-ID. Unset, it is derived from
# SECRET_KEY (so rotating SECRET_KEY would unbind them too).
IDENTITY_HASH_KEY = (
    env.str("IDENTITY_HASH_KEY", default="")
    or hashlib.sha256(f"omtag.identity-hash:{SECRET_KEY}".encode()).hexdigest()
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Set it to the host names this server answers to, "
        "comma-separated (for example ALLOWED_HOSTS=omtag.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env.str("SITE_NAME", default="Omtag")

INSTALLED_APPS = [
    "daphne",
    "config",  # operations: metrics, /readyz, logs (config/apps.py)
    # Ours first, so our templates override the packages' (allauth's, for one).
    "organisations",
    "accounts",
    "audit",
    "content",
    "modules",
    "messaging",
    "measures",
    "intake",
    "meetings",
    "therapist",
    "reports",
    "records",
    "logreview",
    "partner",
    # Before django_tasks_db: its `db_worker` command replaces the package's (worker/).
    "worker",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "channels",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.locales",
    # "Translate this page" for editors; with SYNC_PAGE_TREE below, moving, unpublishing or
    # deleting a page does the same to its translations, so the trees stay in step.
    "wagtail.contrib.simple_translation",
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
]

MIDDLEWARE = [
    "config.observe.RequestObservationMiddleware",  # first: its time and log cover the rest
    "config.headers.IsolationHeadersMiddleware",  # first: static files and errors get it too
    "audit.network.ForwardedHeadersMiddleware",  # before anything reads X-Forwarded-Proto
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "config.middleware.UrlIdGuardMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.FramePolicyCSPMiddleware",  # django-csp, letting previews be framed
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PLATFORM_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.omtag",
                "content.context_processors.help_box",
                "modules.context_processors.terms",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{(VAR_DIR / 'omtag.sqlite3').as_posix()}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let daphne's threads and the task worker share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database in a file too, not Django's default shared-cache memory database: its
    # table locks fail at once ("database table is locked") instead of waiting out the busy
    # timeout, so two threads that touch the database together (the sockets' handshake and
    # frame threads) failed in tests where a file, as in production, lets them wait their turn.
    DATABASES["default"]["TEST"] = {"NAME": (VAR_DIR / "test-omtag.sqlite3").as_posix()}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_POOL", default=True
):
    # A pool of connections per process (Django's own, psycopg_pool): with CONN_MAX_AGE=0 every
    # page opened a connection (PostgreSQL forks a backend for each) and closed it, which cost
    # more than the page's queries. The pool hands a request a connection that is already open
    # and takes it back when the request ends; Django refuses a pool with CONN_MAX_AGE > 0.
    # DATABASE_POOL_MAX bounds each process's connections: web processes x it (plus the
    # worker's) must stay under PostgreSQL's max_connections (docs/deployment.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        # A request waits this long for a free connection before failing.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
# How many pages one process runs at once (config/web.py); the rest wait their turn without a
# thread. Unset: the pool's connections the sockets' threads leave, 8 on SQLite. 0: no bound.
WEB_CONCURRENCY_LIMIT: int | None = env.int("WEB_CONCURRENCY_LIMIT", default=None)
# How long each of the sockets' database threads keeps its connection (seconds; 0: a new one
# for every call). Pages keep CONN_MAX_AGE (from DATABASE_URL, default 0): under ASGI each
# request has a thread of its own, and Django advises against persistent connections there.
SOCKET_CONN_MAX_AGE = env.int("SOCKET_CONN_MAX_AGE", default=60)
# The sockets' database calls run on two small pools of threads per daphne process
# (accounts/realtime.py, socket_executor), each thread keeping its own connection: the open
# sockets' frames and pushes on SOCKET_DB_THREADS, the handshakes on SOCKET_CONNECT_THREADS, so
# a burst of handshakes never queues behind the frames (daphne drops a handshake after 5 s).
# SQLite has one writer at a time, so more threads there add only lock waits: one each.
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
SOCKET_DB_THREADS = env.int("SOCKET_DB_THREADS", default=1 if _SQLITE else 4)
SOCKET_CONNECT_THREADS = env.int("SOCKET_CONNECT_THREADS", default=1 if _SQLITE else 2)
for _name in ("SOCKET_DB_THREADS", "SOCKET_CONNECT_THREADS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more (it is {globals()[_name]}).")
_pool = DATABASES["default"].get("OPTIONS", {}).get("pool")
if isinstance(_pool, dict) and _pool["max_size"] <= SOCKET_DB_THREADS + SOCKET_CONNECT_THREADS:
    # Each socket thread keeps a connection from the process's pool: pages need some left.
    raise ImproperlyConfigured(
        f"SOCKET_DB_THREADS + SOCKET_CONNECT_THREADS ({SOCKET_DB_THREADS} + "
        f"{SOCKET_CONNECT_THREADS}) must be less than DATABASE_POOL_MAX ({_pool['max_size']}): "
        "each socket thread keeps one of the process's pooled connections, and pages need "
        "the rest."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A channel-layer group forgets a member this long after it joined (channels-redis's default
# is a day): the sockets of a daphne that died stay in their groups until then, and every
# message to them is an "over capacity" send. A live socket joins again every
# CHANNEL_GROUP_RENEW_SECONDS (messaging/consumers.py), so it is never forgotten however long its
# session lives (up to SESSION_ABSOLUTE_HOURS); 30 minutes is the session's idle limit: a dead
# server's sockets are forgotten as soon as an idle session would be.
CHANNEL_GROUP_EXPIRY = env.int("CHANNEL_GROUP_EXPIRY", default=30 * 60)
CHANNEL_GROUP_RENEW_SECONDS = env.float(
    "CHANNEL_GROUP_RENEW_SECONDS", default=CHANNEL_GROUP_EXPIRY / 3
)
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache with one connection pool per process (config/cache.py).
            "BACKEND": "config.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="omtag"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels_redis waits for a process's events in 5-second blocking reads
                # (BZPOPMIN); redis-py 8 gives up on any read after 5 s by default, so a quiet
                # process lost a socket (close 1011) every 5 s. Reads may take longer here.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": env.str("CHANNEL_PREFIX", default="omtag"),
                "group_expiry": CHANNEL_GROUP_EXPIRY,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# The task worker (worker/, `manage.py db_worker`). A task claimed by a worker that then died
# (no beat for this long) runs again; after TASK_MAX_ATTEMPTS claims it is marked failed. Must
# exceed the longest pause of a live worker's beat thread (a beat every quarter of it).
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=60)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=3)
# An idle worker sleeps this long between looks at the queue: an enqueue wakes it at once
# (PostgreSQL NOTIFY, or a file beside the SQLite database), so this bounds only a missed
# wake-up.
TASK_WORKER_POLL_SECONDS = env.float("TASK_WORKER_POLL_SECONDS", default=10.0)

# --- Accounts and login -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# allauth's backend extends ModelBackend (permissions) and lets allauth show a locked
# account its neutral "not available" page instead of "wrong password".
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.bool("TEST_FAST_PASSWORD_HASHER", default=False):  # the test suite only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Identity providers come from organisations.IdentityProvider (accounts.social).
SOCIALACCOUNT_ADAPTER = "accounts.social.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
# Claims are read once at login; nothing a provider sends is kept beyond what Omtag needs.
SOCIALACCOUNT_STORE_TOKENS = False
# Staff SAML: allauth's provider, also handing on the AuthnContext and refusing replays.
SOCIALACCOUNT_PROVIDERS = {"saml": {"provider_class": "accounts.sso.SAMLProvider"}}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # an invitation link proves the address
ACCOUNT_PREVENT_ENUMERATION = True
# Never email an address that has no account: it may belong to someone who must not learn
# that Omtag exists.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour
PASSWORD_RESET_TIMEOUT = 60 * 60

OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1

INVITATION_LIFETIME = timedelta(hours=env.int("INVITATION_LIFETIME_HOURS", default=72))
# How long a re-entered password (and second factor) unlocks security changes.
REAUTH_WINDOW = timedelta(minutes=5)
# Wrong second-factor codes: this many per 15 minutes per user, then a pause.
OTP_FAILURE_LIMIT = env.int("OTP_FAILURE_LIMIT", default=5)
# Messages one user may send per minute (the load test and the two-server test raise it).
MESSAGE_RATE_LIMIT_PER_MINUTE = env.int("MESSAGE_RATE_LIMIT_PER_MINUTE", default=30)

# Intake: the public "ask for help" form. The receipt promises a call within this many
# working days; submissions per address per hour; the honest minimum and maximum age of a
# filled form (a faster or older one is refused as likely spam).
INTAKE_CALLBACK_DAYS = env.int("INTAKE_CALLBACK_DAYS", default=3)
INTAKE_RATE_LIMIT_PER_HOUR = env.int("INTAKE_RATE_LIMIT_PER_HOUR", default=10)
INTAKE_MIN_FILL_SECONDS = env.int("INTAKE_MIN_FILL_SECONDS", default=4)
INTAKE_FORM_MAX_AGE_HOURS = env.int("INTAKE_FORM_MAX_AGE_HOURS", default=24)
# The organisation's report shows no figure behind fewer people than this.
REPORT_MIN_GROUP = env.int("REPORT_MIN_GROUP", default=5)
# Retention (records/retention.py explains the law): ended treatments are anonymised after
# this many years (at least 10), referrals that never led to treatment lose their contact
# details after this many; the access log is kept at least this long.
RETENTION_CLOSED_YEARS = env.int("RETENTION_CLOSED_YEARS", default=10)
RETENTION_REFERRAL_UNENROLLED_YEARS = env.int("RETENTION_REFERRAL_UNENROLLED_YEARS", default=2)
RETENTION_ACCESS_LOG_YEARS = env.int("RETENTION_ACCESS_LOG_YEARS", default=10)

# Sessions: a new key at login (Django's default), an idle and an absolute timeout.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "omtag_session"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [PLATFORM_DIR / "locale"]
# Our DATE_FORMAT etc. per language (config/formats/<lang>/formats.py); the rest is Django's.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Stockholm")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "omtag_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Videos play in the page rather than download (a <video> ignores attachment anyway, but a
# person who opens the link should see the video, not a download prompt).
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/plain", "video/mp4", "video/webm"]
_STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _STATIC_MANIFEST

# --- Email ----------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="omtag@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = SITE_NAME
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILSIMPLETRANSLATION_SYNC_PAGE_TREE = True
WAGTAILADMIN_BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000")
# Wagtail sends a visitor it turns away here: to log in, or, already logged in without an
# editor's role, to the ordinary "not allowed" page (not to the login page, which would send
# them back to /cms/ again and again).
WAGTAILADMIN_LOGIN_URL = "cms_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# No third-party requests from the admin (Gravatar would also leak staff emails' hashes).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


def _check_networks(name: str, entries: list[str], hint: str) -> None:
    """Stops start-up at an entry of an address list that is no address or network."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds {entry!r}, which is neither an IP address nor a network. {hint}"
            ) from None


# The proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are believed
# (audit/network.py); from anyone else those headers are the client's own words. None by
# default: the client is the socket's peer.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
_check_networks(
    "TRUSTED_PROXIES",
    TRUSTED_PROXIES,
    "Write the TLS proxy's address or network, comma-separated (for example "
    "TRUSTED_PROXIES=10.0.0.5 or TRUSTED_PROXIES=10.0.0.0/24,fd00::/64).",
)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY and not TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "BEHIND_TLS_PROXY is on but TRUSTED_PROXIES is empty. Set TRUSTED_PROXIES to the "
        "proxy's address (or network): only then are its X-Forwarded-Proto and "
        "X-Forwarded-For believed, and every visitor is not taken to be the proxy."
    )
# Read only from a trusted proxy: audit.network.ForwardedHeadersMiddleware drops the header
# from anyone else before SecurityMiddleware looks at it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload is a domain owner's choice, not ours

# No inline script anywhere. Wagtail's admin needs inline styles and data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Operations (docs/deployment.md) ---------------------------------------------------------
# One JSON object a line in production; plain text for a developer's console (`make run`).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}: write json or plain.")
# config/logs.py keeps personal data out of every line, in either format.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logs.RedactRequestFilter"}},
    "formatters": {
        "json": {"()": "config.logs.SafeJsonFormatter"},
        "plain": {"()": "config.logs.PlainEventFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # INFO at the most, whatever LOG_LEVEL says: at DEBUG it logs every query with its
        # parameters (message bodies, answers).
        "django.db.backends": {"level": "INFO"},
        "wagtail": {"level": "WARNING"},  # page-by-page publishing chatter
    },
}
# /metrics answers only a request with `Authorization: Bearer <METRICS_TOKEN>` or from these
# addresses or networks (the client address as audit/network.py decides it); 404 otherwise.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
_check_networks(
    "METRICS_ALLOWED_IPS",
    METRICS_ALLOWED_IPS,
    "Write the monitoring server's address or network (for example 10.0.0.0/24).",
)
# /readyz fails when the newest task worker beat (worker.WorkerBeat) is older than this.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=180)

# Help lines shown on every participant page until an organisation edits them in the CMS.
HELP_LINES = [
    {"name": _("Emergency"), "number": "112", "hours": _("always open")},
    {"name": "Välj att sluta", "number": "020-555 666", "hours": _("weekdays")},
]

# --- Video meetings (meetings/video.py, docs/deployment.md "Video meetings") ----------------
# ICE servers given to the browsers, as a JSON list in RTCIceServer form
# ([{"urls": "stun:stun.example.org:3478"}]). Empty: host candidates only, which is enough on
# one machine or one network. Omtag relays only the signalling; the media go browser to
# browser (or through the TURN server), never through Omtag.
try:
    WEBRTC_ICE_SERVERS = json.loads(env.str("WEBRTC_ICE_SERVERS", default="[]"))
except ValueError as _error:
    raise ImproperlyConfigured(
        f"WEBRTC_ICE_SERVERS is not JSON ({_error}): write a list such as "
        '[{"urls": "stun:stun.example.org:3478"}].'
    ) from None
if not isinstance(WEBRTC_ICE_SERVERS, list) or not all(
    isinstance(s, dict) and "urls" in s for s in WEBRTC_ICE_SERVERS
):
    raise ImproperlyConfigured(
        'WEBRTC_ICE_SERVERS must be a JSON list of objects with "urls", '
        'such as [{"urls": "stun:stun.example.org:3478"}].'
    )
# A TURN server with coturn's use-auth-secret: each page gets a username "expiry:user id" and
# the HMAC-SHA1 of it with this shared secret, valid WEBRTC_TURN_TTL_SECONDS.
WEBRTC_TURN_URLS = env.list("WEBRTC_TURN_URLS", default=[])
WEBRTC_TURN_SECRET = env.str("WEBRTC_TURN_SECRET", default="")
WEBRTC_TURN_TTL_SECONDS = env.int("WEBRTC_TURN_TTL_SECONDS", default=4 * 3600)
if WEBRTC_TURN_URLS and not WEBRTC_TURN_SECRET:
    raise ImproperlyConfigured(
        "WEBRTC_TURN_URLS is set without WEBRTC_TURN_SECRET: give the static-auth-secret of "
        "coturn's use-auth-secret."
    )
