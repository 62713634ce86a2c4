"""Settings for the AI governance product.

Everything that differs between machines comes from the environment (twelve-factor), read
with django-environ. With no variable set at all, the project runs on its embedded default:
a SQLite file, Celery tasks executed in-process, e-mail printed to the console and a
random development secret generated on first run (``.secret_key``, git-ignored). ``DJANGO_ENV=production`` switches on the secure defaults
that ``manage.py check --deploy`` expects.
"""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)


def _install_secret_key(path):
    """This install's own random secret: generated on first run into a 0600 file (git-ignored),
    read back on every later run. Nothing about it can be guessed from the install."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        try:
            os.link(draft, path)  # appears whole or not at all
        except FileExistsError:  # another process wrote it first: use that one
            key = path.read_text().strip()
        finally:
            os.unlink(draft)
    except OSError as exc:
        raise ImproperlyConfigured(f"Set SECRET_KEY, or let the app write its key to {path} ({exc}).") from exc
    return key


if PRODUCTION or "SECRET_KEY" in env:  # production requires it: no file is ever written there
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = _install_secret_key(Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key"))))

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The organization the e-mails speak for (their header); empty: the product's name.
ORGANIZATION_NAME = env.str("ORGANIZATION_NAME", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "axes",
    "django_ratelimit",
    # Single sign-on (OpenID Connect and SAML 2.0); accounts stay governance.User.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    # The kernel, then the domain apps from the bottom of the layering up (README, "Architecture").
    "governance",
    "platforms",
    "people",
    "identity",
    "policies",
    "attestations",
    "compliance",
    "notifications",
    "trust",
    "browser_extension",
    "integrations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.middleware.RefuseControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"
ASGI_APPLICATION = "governance.asgi.application"

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
                "governance.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a lock instead of failing at once when the server and a job overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttles, reset-mail and wrong-key counters live in the default cache. One process
# (development, tests) may use memory; production runs several and needs a shared cache:
# CACHE_URL=redis://...
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Django's own RedisCache increments atomically; django-ratelimit's list predates it.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if PRODUCTION else ["django_ratelimit.E003"])

AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Passwords as the sign-in policy allows them (identity.SignInPolicy), then single sign-on's
    # sessions; no other backend checks a password.
    "identity.backends.PasswordBackend",
    "identity.backends.SingleSignOnBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# django-allauth (single sign-on, mounted at /sso/): no password sign-up; identity rules in identity.adapters.
ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# Who a provider's subject is (linking, refusals, roles from groups) is decided in identity.adapters.
SOCIALACCOUNT_ADAPTER = "identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an e-mail address alone never links an account
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_REQUESTS_TIMEOUT", default=10)


def _sso_apps(providers):
    """allauth ``APPS`` entries from ``SSO_PROVIDERS`` (a JSON list), for installs whose identity
    providers are fixed by the environment rather than configured in the admin."""
    apps = []
    for provider in providers:
        missing = {"id", "name", "server_url", "client_id"} - set(provider)
        if missing:
            raise ImproperlyConfigured(f"SSO_PROVIDERS: each provider needs {', '.join(sorted(missing))}.")
        options = {key: provider[key] for key in ("claims", "allowed_email_domains", "just_in_time") if key in provider}
        apps.append(
            {
                "provider_id": provider["id"],
                "name": provider["name"],
                "client_id": provider["client_id"],
                "secret": provider.get("secret", ""),
                "settings": {"server_url": provider["server_url"], **options},
            }
        )
    return apps


# OpenID Connect providers: admin-configured (allauth SocialApp rows) and/or fixed by
# SSO_PROVIDERS, e.g. [{"id": "okta", "name": "Okta", "server_url": "https://acme.okta.com",
# "client_id": "...", "secret": "...", "claims": {"groups": "groups"}, "allowed_email_domains": ["acme.com"]}].
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _sso_apps(env.json("SSO_PROVIDERS", default=[])),
    },
    # SAML 2.0 IdPs are SocialApp rows (admin, or `manage.py configure_saml`); identity.saml's
    # provider requires signed assertions and keeps the IdP session for single logout.
    "saml": {"provider_class": "identity.saml.SAMLProvider"},
}
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Reverse proxies in front of the app. The client address (ledger, lockout, throttles) is the
# PROXY_COUNT-th X-Forwarded-For entry from the right; with 0 the header is ignored (governance.net).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Failed-login throttling (django-axes, governance.lockout): an account is locked after
# AXES_FAILURE_LIMIT failures from any address, an address after AXES_ADDRESS_FAILURE_LIMIT
# failures across accounts, each for the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "governance.lockout.LockoutHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "governance.lockout.login_name"
AXES_CLIENT_IP_CALLABLE = "governance.net.client_network"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Abuse budgets outside DRF (django-ratelimit, atomic counters in the default cache): reset
# mails per client address and per account, and wrong API keys (REST and SCIM) per address.
PASSWORD_RESET_RATE_PER_ADDRESS = env.str("PASSWORD_RESET_RATE_PER_ADDRESS", default="10/h")
PASSWORD_RESET_RATE_PER_ACCOUNT = env.str("PASSWORD_RESET_RATE_PER_ACCOUNT", default="3/h")
FAILED_KEY_RATE = env.str("FAILED_KEY_RATE", default="20/m")

# The browser extension (browser_extension): a pairing code lives this many minutes, an account
# may create this many, an address may present this many refused codes or device tokens; a
# device's request budget; usage signals are accepted for days up to this many days ago, and
# the officers' page looks this many days back by default (at most the maximum).
EXTENSION_PAIRING_CODE_MINUTES = env.int("EXTENSION_PAIRING_CODE_MINUTES", default=10)
EXTENSION_CODE_RATE_PER_ACCOUNT = env.str("EXTENSION_CODE_RATE_PER_ACCOUNT", default="10/h")
EXTENSION_FAILED_TOKEN_RATE = env.str("EXTENSION_FAILED_TOKEN_RATE", default="20/m")
EXTENSION_THROTTLE_RATE = env.str("EXTENSION_THROTTLE_RATE", default="120/min")
EXTENSION_SIGNAL_MAX_AGE_DAYS = env.int("EXTENSION_SIGNAL_MAX_AGE_DAYS", default=7)
EXTENSION_USAGE_WINDOW_DAYS = env.int("EXTENSION_USAGE_WINDOW_DAYS", default=30)
EXTENSION_USAGE_WINDOW_MAX_DAYS = env.int("EXTENSION_USAGE_WINDOW_MAX_DAYS", default=365)
# Usage signals older than this many days are deleted by the daily purge (at least the longest
# window the officers' page allows, or a contradiction would vanish from it; checked at start).
EXTENSION_SIGNAL_RETENTION_DAYS = env.int("EXTENSION_SIGNAL_RETENTION_DAYS", default=400)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# One date format on every page ("1 Dec 2026", "1 Dec 2026, 14:05"): governance/formats/en/.
FORMAT_MODULE_PATH = ["governance.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(MEDIA_ROOT / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence and reports: never under a public URL, served only through permission-checked views.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024  # bulk employee upserts of 10,000 rows

# E-mail: console on the embedded default, SMTP (EMAIL_URL) in production.
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AI Governance <governance@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Celery: Redis in production; with no broker configured, tasks run in-process (eager).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that loses the broker drops what it was running; acks_late brings it back (Celery 6's default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Handing work to the broker is best effort (governance.outbox): a web request must not wait
# seconds for a broker that is down. One quick retry, a short connect timeout; the outbox's
# sweep hands over later what the broker did not take. Workers keep their own, patient retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "integrations.api.schema.ProblemAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Integrations send an API key; signed-in people use their session (and CSRF token).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.permissions.ScopedPermission"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["integrations.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "integrations.api.exceptions.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="600/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Governance API",
    "DESCRIPTION": (
        "REST API for HR systems: employees, departments, compliance, attestations, reports, webhooks.\n\n"
        "Authenticate with `Authorization: Bearer <API key>`. Each operation names the scope it needs; "
        "a key reaches nothing outside its scopes. Signed-in people reach the API by role: compliance "
        "officers read, governance admins write. Errors are RFC 9457 problem details "
        "(`application/problem+json`).\n\n"
        "SCIM 2.0 (RFC 7643/7644) for identity providers is served at `/scim/v2/` (not part of this schema; "
        "its own discovery is `/scim/v2/ServiceProviderConfig`, `/Schemas`, `/ResourceTypes`): Users (the "
        "enterprise extension; no externalId or employeeNumber needed; free-text departments) and Groups "
        "(members; group names mapped to roles), filter, paging, PATCH in the dialects of Microsoft Entra ID "
        "and Okta, DELETE. Not supported: bulk, sort, ETags, `/.search`, password changes, nested groups."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No "#/tag/operation" links: Swagger UI draws each as a link inside the button that opens the
    # operation, one interactive control nested in another (axe's nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "EmployeeStatusEnum": "people.models.Employee.Status",
        "ReportStatusEnum": "compliance.models.reports.ComplianceReport.Status",
        "WebhookEventEnum": "integrations.models.WebhookEvent",
    },
}

# Catalog entries not verified for longer than this are stale.
CATALOG_STALE_AFTER_DAYS = env.int("CATALOG_STALE_AFTER_DAYS", default=180)
# Signed one-click links in reminder e-mails.
MAGIC_LINK_MAX_AGE = timedelta(days=env.int("MAGIC_LINK_MAX_AGE_DAYS", default=7))
# Webhooks reach public https addresses only; these hosts (exact names or address literals)
# may be internal and may use http, e.g. an in-cluster receiver.
WEBHOOK_ALLOWED_INTERNAL_HOSTS = env.list("WEBHOOK_ALLOWED_INTERNAL_HOSTS", default=[])

# The ledger's checkpoints are signed with an Ed25519 key kept outside the database
# (governance.signing): LEDGER_SIGNING_KEY (PEM, or the 32 raw bytes in base64) or the file
# LEDGER_SIGNING_KEY_FILE. Outside production a key is generated once into .ledger_signing_key
# (0600, git-ignored); production never generates one and refuses to sign without it.
LEDGER_SIGNING_KEY = env.str("LEDGER_SIGNING_KEY", default="")
LEDGER_SIGNING_KEY_FILE = env.str(
    "LEDGER_SIGNING_KEY_FILE", default="" if PRODUCTION else str(BASE_DIR / ".ledger_signing_key")
)
# When the current key took over (ISO 8601; empty: no lower bound), and the public keys it replaced,
# a JSON list of {"x": base64url raw public key (or "pem"), "valid_from": ISO, "valid_until": ISO}.
LEDGER_SIGNING_KEY_VALID_FROM = env.str("LEDGER_SIGNING_KEY_VALID_FROM", default="")
LEDGER_RETIRED_KEYS = env.json("LEDGER_RETIRED_KEYS", default=[])
# How long the personal data of a former employee's ledger records (typed signature, IP address,
# user agent, evidence files) and their name and e-mail are kept, in days counted from the
# termination date; then the daily job erases them (attestations.services.retention). Six years:
# the longest common limitation period for claims the records may have to answer (contract and
# commercial records in the UK, Germany's HGB retention); shorten it where no such duty applies.
LEDGER_PERSONAL_DATA_RETENTION_DAYS = env.int("LEDGER_PERSONAL_DATA_RETENTION_DAYS", default=6 * 365)

# Content-Security-Policy (django-csp): only our own origin; no inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
