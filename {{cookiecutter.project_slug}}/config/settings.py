"""Settings for {{ cookiecutter.project_name }}, read from the environment.

Every value a deployment changes comes from an environment variable (Heroku config vars in
production, the git-ignored .env file locally); .env.example lists them all. With no
DATABASE_URL and no REDIS_URL the project runs on SQLite and an in-process channel layer, so a
laptop needs no services.
"""

from datetime import timedelta
from email.utils import formataddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Local runs read .env; variables already in the environment win. Tests switch this off so a
# developer's .env never points the test suite at a real database.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    environ.Env.read_env(BASE_DIR / ".env")

SITE_NAME = env("SITE_NAME", default="{{ cookiecutter.project_name }}")

# --- Core -----------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
# Required: there is no default, so a deployment without one fails at start, not silently.
SECRET_KEY = env("SECRET_KEY")

# Host names this site answers to (HTTP and WebSocket handshakes alike): your own domains.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# A browser's form posts and WebSocket handshakes must come from the page's own origin
# (scheme, host and port), or one of these: the HTTPS origin of each allowed host, and any
# listed in CSRF_TRUSTED_ORIGINS ("https://app.example.com,https://*.example.com").
CSRF_TRUSTED_ORIGINS = [
    *(f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host != "*"),
    *env.list("CSRF_TRUSTED_ORIGINS", default=[]),
]
# On a dyno (Heroku sets DYNO), also the app's own herokuapp.com host, whatever its random
# suffix: Heroku's router delivers a herokuapp.com request only to the app that owns the host,
# so no other one reaches this process. Added after CSRF_TRUSTED_ORIGINS on purpose: other
# apps' pages on herokuapp.com are other origins.
if env("DYNO", default=""):
    ALLOWED_HOSTS.append(".herokuapp.com")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so that runserver-style static serving does not shadow whitenoise.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    # Before allauth: the project's templates (accounts/templates) replace allauth's.
    "accounts",
    "allauth",
    "allauth.account",
    # Second factors: TOTP with recovery codes (allauth's defaults), at /accounts/2fa/.
    "allauth.mfa",
    "chat",
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
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Keeps a login that is part-way through its stages (email verification) in the session.
    "allauth.account.middleware.AccountMiddleware",
    # Sends users who must have a second factor (CHAT_MFA_REQUIRED) and lack one to set it up.
    "accounts.second_factor.RequireSecondFactorMiddleware",
    # Last: turns a brute-force lockout into its answer (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chat.context_processors.site",
                "accounts.context_processors.signup",
            ],
        },
    },
]

# --- Threads and the database budget ----------------------------------------------------------

# The cap on threads running synchronous code per process, and so on database connections per
# process: chat database work runs on a pool of this many threads (chat/sync.py) and, on
# PostgreSQL, Django's connection pool holds at most this many connections, shared with HTTP
# views. Budget: (web dynos + dynos restarting) x WEB_CONCURRENCY x ASGI_THREADS (+ one per
# one-off dyno) must stay under the database plan's connection limit: two web dynos and one
# restarting take (2 + 1) x 2 x 3 = 18 of essential-0's 20 (tests/heroku/test_budgets.py).
ASGI_THREADS = env.int("ASGI_THREADS", default=3)

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Under ASGI persistent connections leak with the threads that opened them; the pool
        # below replaces them (Django docs, "Persistent connections", ticket #33497). No health
        # check per checkout: it costs a round trip on every database call, and a connection
        # broken by a database restart fails one call, after which the pool replaces it
        # (tests/integration/test_postgres_restart.py).
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        pool={
            "min_size": 1,
            "max_size": ASGI_THREADS,
            # Seconds a thread waits for a free connection before the request fails.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        },
        # Parameters travel apart from the SQL, so psycopg prepares each statement a pooled
        # connection runs often and PostgreSQL stops parsing and planning it every time.
        server_side_binding=True,
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers wait for the
        # busy timeout instead of failing with "database is locked" on lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache -------------------------------------------------------------

# bin/start-stunnel exports REDIS_URL_STUNNEL when it tunnels Redis; without the tunnel the app
# talks to REDIS_URL directly (Heroku Key-Value Store speaks TLS natively on rediss:// URLs).
REDIS_URL = env("REDIS_URL_STUNNEL", default="") or env("REDIS_URL", default="")


def redis_connection_options(url, *, asyncio=False, name=None):
    """Return redis-py connection options that survive production Redis.

    ``asyncio`` selects the retry class of redis.asyncio (the channel layer) rather than the
    blocking client's (the cache): each awaits, or not, the call it retries. ``name`` is what
    the connections call themselves in CLIENT LIST.

    - socket_timeout: redis-py 8 made it 5 s, which kills idle channel-layer reads; 10 s still
      detects a dead server (channels_redis#422).
    - health_check_interval: a PING before reusing a connection idle longer than this, below
      any server idle timeout (Heroku's default is 300 s), so a closed socket is found first.
    - retry: reconnect on connection errors instead of failing the send (a Redis restart).
    - ssl_cert_reqs: Heroku Key-Value Store uses a self-signed certificate; the option is only
      valid on rediss:// URLs (channels_redis#371).
    """
    options = {
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "health_check_interval": 15,
        "retry": (AsyncRetry if asyncio else Retry)(
            ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=5
        ),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }
    if url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    if name is not None:
        options["client_name"] = name
    return options


def redis_cache(url, *, prefix):
    """Return the cache on Redis: one connection per process, shared by its threads and the
    rate limits (chat/redis_clients.py: the Redis budget)."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            **redis_connection_options(url, name=f"{prefix}.cache"),
            "pool_class": "chat.redis_clients.SharedBlockingPool",
            "max_connections": 1,
            "timeout": 5,
        },
        "KEY_PREFIX": prefix,
    }


# Starts every channel-layer name and cache key, so apps (or test runs) can share one Redis.
REDIS_PREFIX = env("CHANNEL_LAYER_PREFIX", default="chat")

if REDIS_URL:
    # The pub/sub layer, not the core layer: the core layer drops group messages from live
    # sockets while other sockets of the process disconnect (django/channels#1683); the pub/sub
    # layer does not, keeps group membership in process memory (so a Redis restart does not
    # empty the groups) and costs fewer Redis round trips per message. Evidence: README.md,
    # "Choice of channel layer".
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        **redis_connection_options(
                            REDIS_URL, asyncio=True, name=f"{REDIS_PREFIX}.layer"
                        ),
                    }
                ],
                "prefix": REDIS_PREFIX,
            },
        }
    }
    CACHES = {"default": redis_cache(REDIS_URL, prefix=REDIS_PREFIX)}
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            # One channel per process carries every event (chat.fanout); the default of 100
            # queued messages would drop a burst such as a large room's deletion.
            "CONFIG": {"capacity": 10_000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -------------------------------------------------------------------------

# The project's own user model (accounts.models), in place from the first migration.
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out attempt before any password is hashed. allauth's backend
# is Django's ModelBackend that also takes an email address for the username.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat:index"
LOGOUT_REDIRECT_URL = "login"

# Accounts (django-allauth): sign-up, login by username or email, email addresses, password
# reset and change. Every page uses the project's templates (accounts/templates).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# "mandatory" (the default): a new account logs in once its address is confirmed, so an
# address is only ever someone's who reads it: password resets and digests cannot be sent to
# a stranger's mailbox, and nobody takes an address before its owner signs up. "optional"
# lets people in at once and asks them to confirm; "none" sends no confirmation at all (a
# site without email). Accounts made before there were addresses (by an admin, or
# createsuperuser) have none and log in as before (accounts.stages).
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        'ACCOUNT_EMAIL_VERIFICATION must be "mandatory", "optional" or "none".'
    )
ACCOUNT_UNIQUE_EMAIL = True
# One address per account, changed (after confirming the new one) rather than collected.
ACCOUNT_CHANGE_EMAIL = True
# A login lasts as long as a session does: no "remember me" box.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Password guessing is counted by django-axes below, on every entry point alike; allauth's
# own limits stay on for what sends email or creates accounts (password reset requests,
# confirmations, sign-ups) and for password changes, keyed by the same client address
# (accounts.adapter.AccountAdapter.get_client_ip).
ACCOUNT_RATE_LIMITS = {"login_failed": None}
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "change_password": "accounts.forms.ChangePasswordForm",
}

# Single sign-on with OpenID Connect (accounts/sso.py), off unless providers are listed: a
# JSON list of {"id", "name", "server_url", "client_id", "secret"}, one per provider (its
# server_url is the issuer, where /.well-known/openid-configuration is found; the redirect URI
# to register there is SITE/accounts/oidc/<id>/login/callback/). With a list of domains, only
# addresses of those domains get in through them.
CHAT_SSO_PROVIDERS = env.json("CHAT_SSO_PROVIDERS", default=[])
CHAT_SSO_ALLOWED_DOMAINS = [d.lower() for d in env.list("CHAT_SSO_ALLOWED_DOMAINS", default=[])]
if CHAT_SSO_PROVIDERS:
    INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]
    SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
    SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": provider["id"],
                    "name": provider["name"],
                    "client_id": provider["client_id"],
                    "secret": provider["secret"],
                    "settings": {"server_url": provider["server_url"]},
                }
                for provider in CHAT_SSO_PROVIDERS
            ],
        }
    }
    # The provider's word on an address is enough: it is not confirmed again by email.
    SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
# Where the login page's form sends the browser on to each provider (the issuer's origin, where
# Google, Entra ID, Okta and Keycloak all have their authorization endpoint): the page's
# Content-Security-Policy must allow it, or browsers stop the redirect (form-action).
SSO_ORIGINS = sorted(
    {"{0.scheme}://{0.netloc}".format(urlsplit(p["server_url"])) for p in CHAT_SSO_PROVIDERS}
)

# Whether POST /api/token/ takes a username and password (accounts with a second factor never
# can: they use personal access tokens, accounts.access_tokens). false: tokens only.
CHAT_TOKEN_PASSWORD_LOGIN = env.bool("CHAT_TOKEN_PASSWORD_LOGIN", default=True)

# Second factors: authenticator apps (TOTP) with recovery codes, and security keys and
# passkeys (WebAuthn), which also log in without a password ("Use a passkey").
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# Who must have a second factor (TOTP with recovery codes, at /accounts/2fa/): "none" (each
# user decides), "staff" (staff and superusers: their sessions reach the admin) or "all".
CHAT_MFA_REQUIRED = env.str("CHAT_MFA_REQUIRED", default="none")
if CHAT_MFA_REQUIRED not in {"none", "staff", "all"}:
    raise ImproperlyConfigured('CHAT_MFA_REQUIRED must be "none", "staff" or "all".')

# Who may create an account: "invite" (the default, for a team's chat): only people holding an
# invitation link (accounts.invitations) made by an admin, or by any member with
# CHAT_SIGNUP_INVITES_BY_MEMBERS; "open": anyone; "sso": only through single sign-on.
CHAT_SIGNUP = env.str("CHAT_SIGNUP", default="invite")
if CHAT_SIGNUP not in {"open", "invite", "sso"}:
    raise ImproperlyConfigured('CHAT_SIGNUP must be "open", "invite" or "sso".')
CHAT_SIGNUP_INVITES_BY_MEMBERS = env.bool("CHAT_SIGNUP_INVITES_BY_MEMBERS", default=False)
# Days an invitation link lasts unless its maker says otherwise, and the most it may last.
CHAT_SIGNUP_INVITATION_DAYS = env.int("CHAT_SIGNUP_INVITATION_DAYS", default=7)
CHAT_SIGNUP_INVITATION_MAX_DAYS = env.int("CHAT_SIGNUP_INVITATION_MAX_DAYS", default=90)

# Brute-force protection (django-axes) for every password entry point: the token endpoint,
# the login page and the admin's. Failures are counted at three scopes, each with its own limit
# (accounts/login_failures.py): one username from one client address (LOGIN_FAILURE_LIMIT),
# one address whatever the usernames (LOGIN_ADDRESS_FAILURE_LIMIT), and one username from all
# addresses together (LOGIN_ACCOUNT_FAILURE_LIMIT, far higher: anyone can make failures for any
# account, so a low one would let anyone lock anyone out). Past a limit attempts are refused
# for LOGIN_COOLOFF_MINUTES (each refused attempt starts the wait again), whatever the
# password, so a lockout reveals nothing. Counts live in the cache: Redis, shared by every
# process and dyno; without Redis (the local setup) the one process's memory.
AXES_HANDLER = "accounts.login_failures.LoginFailureHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=100)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_COOLOFF_MINUTES", default=15))
# What axes logs and reports a failure by; the handler above keeps its own counts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# How many proxies in front of the app append the address they saw to X-Forwarded-For: the
# client's address is this many entries from the right, and what is left of them is whatever
# the client wrote. On a dyno Heroku's router is one; elsewhere none is assumed and the
# socket's address is counted (as Uvicorn reports it: it takes X-Forwarded-For only from the
# proxies of --forwarded-allow-ips, the local machine by default). Behind a proxy of your own
# set it to 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env("DYNO", default="") else 0)

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Where uploaded attachments live. Locally (and by default) a folder on disk, which a Heroku
# dyno does not keep across restarts: in production set a bucket. Any S3-compatible bucket
# works through django-storages: your own (AWS_STORAGE_BUCKET_NAME and its keys) or the
# Bucketeer add-on, whose BUCKETEER_* variables are read when the AWS_* ones are not set.
# Files are private: they reach members only through chat.views.attachment_file, which
# checks membership on every fetch and then streams the file or redirects to a presigned URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
ATTACHMENT_BUCKET = env("AWS_STORAGE_BUCKET_NAME", default="") or env(
    "BUCKETEER_BUCKET_NAME", default=""
)
# Another S3-compatible service than AWS (or a test server on loopback).
ATTACHMENT_ENDPOINT = env("AWS_S3_ENDPOINT_URL", default="") or None
if ATTACHMENT_BUCKET:
    ATTACHMENT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENT_BUCKET,
            "access_key": env("AWS_ACCESS_KEY_ID", default="")
            or env("BUCKETEER_AWS_ACCESS_KEY_ID", default=""),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="")
            or env("BUCKETEER_AWS_SECRET_ACCESS_KEY", default=""),
            "region_name": env("AWS_S3_REGION_NAME", default="")
            or env("BUCKETEER_AWS_REGION", default="us-east-1"),
            "endpoint_url": ATTACHMENT_ENDPOINT,
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,  # every URL is presigned
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
        },
    }
    # Where the bucket's presigned URLs point, for the page's Content-Security-Policy.
    ATTACHMENT_ORIGIN = env(
        "ATTACHMENT_ORIGIN",
        default=ATTACHMENT_ENDPOINT or "https://*.amazonaws.com",
    )
else:
    ATTACHMENT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: nothing serves this folder directly.
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": ATTACHMENT_STORAGE,
    "staticfiles": {
        # Hashed names and compressed copies; a missing file fails collectstatic at build time.
        # The JavaScript modules' imports are rewritten to the hashed names (config/storage.py).
        "BACKEND": "config.storage.CompressedManifestModulesStorage",
    },
}

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------------------------

# Heroku's router terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The header only allows a submission to the browsers' preload list; submitting is a separate,
# manual step (hstspreload.org) to take once every subdomain serves HTTPS.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# A strict policy the chat page works under: scripts and styles only from this site, no inline
# code, WebSockets only back to this host.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # With a bucket, images are fetched from it (a redirect to a presigned URL).
    "img-src": ["'self'", "data:", *([ATTACHMENT_ORIGIN] if ATTACHMENT_BUCKET else [])],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'", *SSO_ORIGINS],
    "frame-ancestors": ["'none'"],
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "chat.redaction.RedactTokensFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Email: notification digests -----------------------------------------------------------

# Any SMTP service: set EMAIL_HOST and its credentials, or add Heroku's Mailgun add-on, whose
# MAILGUN_SMTP_* config vars are read when the EMAIL_* ones are not set. With DEBUG on and no
# EMAIL_HOST, emails are printed instead; in production without one, send_chat_digests sends
# nothing and says why. Django 6.1's MAILERS, not the EMAIL_* settings it deprecates.
_email_host = env("EMAIL_HOST", default="") or env("MAILGUN_SMTP_SERVER", default="")
_email_port = env.int("EMAIL_PORT", default=0) or env.int("MAILGUN_SMTP_PORT", default=587)
EMAIL_CONFIGURED = bool(_email_host) or DEBUG
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host or "localhost",
            "port": _email_port,
            "username": env("EMAIL_HOST_USER", default="") or env("MAILGUN_SMTP_LOGIN", default=""),
            "password": env("EMAIL_HOST_PASSWORD", default="")
            or env("MAILGUN_SMTP_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=_email_port == 587),
            "timeout": 20,
        },
    }
    if _email_host or not DEBUG
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
# The sender of the digests: set it to an address of your domain in production.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=formataddr((SITE_NAME, "chat@localhost")))
# Where the links in emails point (digests are sent by a scheduled command, outside any
# request): the site's public address. Unset, a dyno uses its app's herokuapp.com address when
# Heroku's dyno metadata is on (`heroku labs:enable runtime-dyno-metadata` sets
# HEROKU_APP_DEFAULT_DOMAIN_NAME), and DEBUG the local server's. Otherwise it stays empty:
# send_chat_digests then refuses to send links to nowhere, and `check --deploy` warns.
_heroku_domain = env("HEROKU_APP_DEFAULT_DOMAIN_NAME", default="")
if _heroku_domain:
    _site_url_default = f"https://{_heroku_domain}"
else:
    _site_url_default = "http://127.0.0.1:8000" if DEBUG else ""
SITE_URL = env("SITE_URL", default=_site_url_default).rstrip("/")

# --- Web Push ---------------------------------------------------------------------------------

# The VAPID key pair (RFC 8292) the app signs its pushes with, base64url as browsers take it:
# `python manage.py vapid_keys` prints a new pair. Unset, Web Push is off and costs nothing.
# The subject is how a push service reaches the operator: a mailto: or https: URL. Unset, an
# https SITE_URL, else DEFAULT_FROM_EMAIL's address (chat.push.sender.subject).
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default="")

# --- Chat -----------------------------------------------------------------------------------

# Limits and timings of the chat protocol, documented in docs/protocol.md. Every one can be
# overridden here or from the environment.
CHAT = {
    "TOKEN_TTL": env.int("CHAT_TOKEN_TTL", default=15 * 60),
    # Seconds a ticket (POST /api/ticket/, for browsers' ?ticket=) may wait for its connect.
    "TICKET_TTL": env.int("CHAT_TICKET_TTL", default=30),
    "MAX_CONTENT_CHARS": env.int("CHAT_MAX_CONTENT_CHARS", default=10_000),
    # How deep formatting nests (quotes in quotes, lists in lists, emphasis in emphasis) before
    # the rest renders as text (chat/formatting.py): bounds the work and the HTML of a message.
    "FORMAT_MAX_NESTING": env.int("CHAT_FORMAT_MAX_NESTING", default=20),
    # A message whose HTML would be longer shows as its plain text (thousands of links would
    # otherwise make its html field many times its content, in every payload carrying it).
    "FORMAT_MAX_HTML_CHARS": env.int("CHAT_FORMAT_MAX_HTML_CHARS", default=50_000),
    "MAX_FRAME_BYTES": env.int("CHAT_MAX_FRAME_BYTES", default=64 * 1024),
    "PAGE_MAX": 100,
    "GROUP_MAX_MEMBERS": env.int("CHAT_GROUP_MAX_MEMBERS", default=256),
    # Channels have subscribers, not a conversation, but every message still goes to each
    # online one: this bounds a channel's fan-out (chat/services/members.py).
    "CHANNEL_MAX_MEMBERS": env.int("CHAT_CHANNEL_MAX_MEMBERS", default=5_000),
    # Members per page of room.members, and in the room payloads that carry members
    # (room.info, room.created, room.create and room.join): never a whole large channel.
    "MEMBERS_PAGE": env.int("CHAT_MEMBERS_PAGE", default=100),
    "MAX_SESSIONS_PER_USER": env.int("CHAT_MAX_SESSIONS_PER_USER", default=5),
    "HEARTBEAT_INTERVAL": 20,
    # Each process checks its open sockets again this often (chat/revalidation.py): their
    # credentials and session rows, whether or not a revocation event reached them.
    "REVALIDATE_INTERVAL": env.float("CHAT_REVALIDATE_INTERVAL", default=30.0),
    # A socket that sends no session.heartbeat for this long is closed with 4011 (its client
    # reconnects): four and a half heartbeat intervals, and more than the minute for which a
    # browser may hold back the timers of a hidden tab. 0 closes none.
    "IDLE_TIMEOUT": env.float("CHAT_IDLE_TIMEOUT", default=90.0),
    # last_seen is written at most this often per socket, not on every frame.
    "LAST_SEEN_WRITE_INTERVAL": 10,
    # A session not seen for this long is offline, and stale for cleanup_chat_sessions.
    "PRESENCE_TTL": 60,
    # Seconds after a user's last socket closes before they are announced offline: a reload
    # or reconnect within this time announces nothing.
    "PRESENCE_GRACE": env.float("CHAT_PRESENCE_GRACE", default=15.0),
    # Rooms of more members get no presence.changed (a storm of N users in rooms of M members
    # would send N x M of them): clients ask with the presence event when they show the room.
    "PRESENCE_MAX_ROOM_SIZE": env.int("CHAT_PRESENCE_MAX_ROOM_SIZE", default=50),
    # Read and delivery receipts (room.read, room.delivered to the room, room.receipts) in
    # direct rooms and groups up to this many members. Every member's read is an event to
    # every member: M x M events per message read by all, 2,500 at 50. Above it a read goes
    # to the reader's own devices only, as in channels, where "seen by 900" tells nobody much.
    "RECEIPTS_MAX_ROOM_SIZE": env.int("CHAT_RECEIPTS_MAX_ROOM_SIZE", default=50),
    # Notifications (chat/notifications.py): a digest goes to a user whose oldest unemailed
    # notification is this old and who got none within DIGEST_WINDOW seconds.
    "DIGEST_QUIET_PERIOD": env.int("CHAT_DIGEST_QUIET_PERIOD", default=15 * 60),
    "DIGEST_WINDOW": env.int("CHAT_DIGEST_WINDOW", default=60 * 60),
    # Who may be put into a group or channel without accepting an invitation (chat.permissions
    # addable_without_consent): "shared", people the adder already shares a group or a
    # direct conversation with (site admins add anyone), or "anyone", for a site whose users
    # all trust each other.
    "ADD_WITHOUT_CONSENT": env.str("CHAT_ADD_WITHOUT_CONSENT", default="shared"),
    # The public channels every new user joins when the account is created (names, comma
    # separated in the environment; chat/services/onboarding.py): made by the migration
    # 0010_default_rooms, or by manage.py create_default_rooms after a change. Empty: none.
    "DEFAULT_ROOMS": [
        name.strip() for name in env.list("CHAT_DEFAULT_ROOMS", default=["general"]) if name.strip()
    ],
    # The unread notifications notification.list returns, newest first.
    "NOTIFICATIONS_LIST_MAX": 50,
    # One user must not be able to page or email a crowd: a message may name at most
    # MAX_MENTIONS people (@room counts as one), a sender's messages make at most
    # NOTIFICATIONS_PER_SENDER_PER_HOUR notifications an hour (the rest are stored messages
    # that notify nobody), and a digest lists at most DIGEST_ENTRIES_PER_SENDER of a sender's.
    "MAX_MENTIONS": env.int("CHAT_MAX_MENTIONS", default=20),
    "NOTIFICATIONS_PER_SENDER_PER_HOUR": env.int(
        "CHAT_NOTIFICATIONS_PER_SENDER_PER_HOUR", default=1000
    ),
    "DIGEST_ENTRIES_PER_SENDER": env.int("CHAT_DIGEST_ENTRIES_PER_SENDER", default=3),
    # Reactions (chat/services/reactions.py): the distinct emoji one user may put on one
    # message, the distinct emoji a message may carry from everyone (each is a chip every
    # reader's page draws), and the reactors a message's payload names per emoji, earliest
    # first: the count says how many there are, so a message with thousands stays small.
    "REACTIONS_PER_USER": env.int("CHAT_REACTIONS_PER_USER", default=20),
    "REACTION_EMOJI_PER_MESSAGE": env.int("CHAT_REACTION_EMOJI_PER_MESSAGE", default=50),
    "REACTION_USERS_SHOWN": env.int("CHAT_REACTION_USERS_SHOWN", default=10),
    # Threads (chat/services/threads.py): a root's summary keeps the ids of its first
    # THREAD_PARTICIPANTS repliers (and counts them all); threads.list returns at most
    # THREADS_LIST_MAX followed threads a page.
    "THREAD_PARTICIPANTS": env.int("CHAT_THREAD_PARTICIPANTS", default=5),
    "THREADS_LIST_MAX": env.int("CHAT_THREADS_LIST_MAX", default=50),
    # Events per user, all sockets on all processes together (chat/ratelimit.py).
    "RATE_LIMIT_PER_SECOND": env.float("CHAT_RATE_LIMIT_PER_SECOND", default=10.0),
    "RATE_LIMIT_BURST": env.int("CHAT_RATE_LIMIT_BURST", default=30),
    # message.search (chat/searching.py, chat/selectors/search.py): searches running at once per
    # process (never all ASGI_THREADS threads: one is always left to sends and reads), matches
    # ranked per search (the newest), and seconds a search statement may run on PostgreSQL.
    "SEARCH_THREADS": env.int("CHAT_SEARCH_THREADS", default=1),
    "SEARCH_RANK_MAX": env.int("CHAT_SEARCH_RANK_MAX", default=1000),
    "SEARCH_TIMEOUT": env.float("CHAT_SEARCH_TIMEOUT", default=2.0),
    # Expensive events cost a token of their own limit as well: (per second, burst) per user.
    "RATE_LIMITS": {
        "history": (5.0, 50),  # room.messages pages (a reconnect catches up every room)
        "rooms": (0.2, 10),  # room.create, room.delete
        # room.join, leave, add_members, remove_members, update, ban, unban; user.block,
        # user.unblock; message.report
        "members": (1.0, 20),
        # message.react: each one goes to every socket of the room.
        "reactions": (
            env.float("CHAT_RATE_LIMIT_REACTIONS_PER_SECOND", default=2.0),
            env.int("CHAT_RATE_LIMIT_REACTIONS_BURST", default=20),
        ),
        # POST /api/attachments/: each upload is stored, and an image decoded, on the dyno.
        # The burst lets a user attach a message's worth of files (ATTACHMENTS_PER_MESSAGE).
        "uploads": (
            env.float("CHAT_RATE_LIMIT_UPLOADS_PER_SECOND", default=0.2),
            env.int("CHAT_RATE_LIMIT_UPLOADS_BURST", default=20),
        ),
        # POST /hooks/<id>, per bot (chat/webhooks.py): a bot reporting builds or alerts posts
        # a message now and then, with bursts; a runaway script is answered 429.
        "webhooks": (
            env.float("CHAT_RATE_LIMIT_WEBHOOKS_PER_SECOND", default=1.0),
            env.int("CHAT_RATE_LIMIT_WEBHOOKS_BURST", default=20),
        ),
        # profile.update and POST /api/profile/avatar/: each change goes to every room of the
        # user up to PROFILE_EVENT_MAX_ROOM_SIZE members, and an avatar is decoded here.
        "profile": (
            env.float("CHAT_RATE_LIMIT_PROFILE_PER_SECOND", default=0.2),
            env.int("CHAT_RATE_LIMIT_PROFILE_BURST", default=10),
        ),
        # GET /api/profile/export/: an archive reads all of a user's rows and files.
        "exports": (
            env.float("CHAT_RATE_LIMIT_EXPORTS_PER_SECOND", default=1 / 600),
            env.int("CHAT_RATE_LIMIT_EXPORTS_BURST", default=3),
        ),
    },
    # Web Push (chat/push/): off until VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set. A push
    # says who notified the user where ("bob mentioned you in #general"), and carries the
    # message's text only with PUSH_CONTENT: the push service relays it (encrypted) and the
    # phone's lock screen shows it. Pushes wait in a queue of PUSH_QUEUE_SIZE per process
    # (past it they are dropped and counted) for one sending thread, each request cut off
    # after PUSH_TIMEOUT seconds; the push service keeps an undelivered one PUSH_TTL seconds.
    # A process that exits waits up to PUSH_EXIT_WAIT seconds for its queued pushes (a
    # management command posting a message would otherwise lose them), never longer.
    # A user subscribes at most PUSH_SUBSCRIPTIONS_PER_USER browsers (the oldest goes).
    # PUSH_ALLOW_LOOPBACK accepts endpoints on this machine (tests, DEBUG): never in
    # production, where any address but a public one is refused (a request forger's way in).
    "PUSH_CONTENT": env.bool("CHAT_PUSH_CONTENT", default=False),
    "PUSH_QUEUE_SIZE": env.int("CHAT_PUSH_QUEUE_SIZE", default=1000),
    "PUSH_TIMEOUT": env.float("CHAT_PUSH_TIMEOUT", default=5.0),
    "PUSH_TTL": env.int("CHAT_PUSH_TTL", default=24 * 60 * 60),
    "PUSH_EXIT_WAIT": env.float("CHAT_PUSH_EXIT_WAIT", default=5.0),
    "PUSH_SUBSCRIPTIONS_PER_USER": env.int("CHAT_PUSH_SUBSCRIPTIONS_PER_USER", default=10),
    "PUSH_ALLOW_LOOPBACK": env.bool("CHAT_PUSH_ALLOW_LOOPBACK", default=DEBUG),
    # Unknown usernames a user may name (room.create, room.add_members, user.block, ...)
    # within UNKNOWN_USERNAMES_WINDOW seconds; then every lookup answers 4029 until the
    # window ends, as failed logins lock the token endpoint (chat/services/users.py).
    "UNKNOWN_USERNAMES_LIMIT": env.int("CHAT_UNKNOWN_USERNAMES_LIMIT", default=20),
    "UNKNOWN_USERNAMES_WINDOW": env.int("CHAT_UNKNOWN_USERNAMES_WINDOW", default=15 * 60),
    # With Redis the limits are kept there, so they hold across processes and dynos; a
    # process takes up to this many of a user's tokens per Redis call and spends them
    # locally within RATE_LIMIT_LEASE_SECONDS (chat/ratelimit.py).
    "RATE_LIMIT_LEASE": 4,
    "RATE_LIMIT_LEASE_SECONDS": 1.0,
    # Seconds a connect waits for Redis to confirm a new subscription of its process (a probe
    # published to the group comes back, chat/fanout.py) before sending its hello anyway.
    "SUBSCRIBE_TIMEOUT": env.float("CHAT_SUBSCRIBE_TIMEOUT", default=5.0),
    "HARD_DELETE": env.bool("CHAT_HARD_DELETE", default=False),
    # Seconds a send may wait on a client that stopped reading before the socket is dropped.
    "SLOW_CLIENT_TIMEOUT": env.float("CHAT_SLOW_CLIENT_TIMEOUT", default=10.0),
    # Attachments (chat/uploads.py, docs/protocol.md "Attachments"). An upload passes through
    # the dyno: the size cap keeps it well inside Heroku's 30 s request window on ordinary
    # connections, and the body is spooled to a temporary file, not held in memory.
    "ATTACHMENT_MAX_BYTES": env.int("CHAT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    "ATTACHMENTS_PER_MESSAGE": env.int("CHAT_ATTACHMENTS_PER_MESSAGE", default=10),
    # Types detected from the bytes that are accepted. Images are re-encoded without their
    # metadata and shown inline; everything else is served only as a download.
    "ATTACHMENT_TYPES": env.list(
        "CHAT_ATTACHMENT_TYPES",
        default=[
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "application/pdf",
            "text/plain",
        ],
    ),
    # Images above this many pixels are refused (a small file can decode to gigabytes); an
    # animation's frames count together, since re-encoding decodes and holds them all, and
    # each of its frames may have an eighth of it. The largest image accepted peaked about
    # 70 MiB above an idle worker's 94 (bench/image_memory.py): two workers each decoding
    # one stay near 330 MiB of a 512 MB dyno. Phone photos are 12 MP.
    "ATTACHMENT_MAX_PIXELS": env.int("CHAT_ATTACHMENT_MAX_PIXELS", default=16_000_000),
    # Frames of an animation: each costs time to write again, however small it is.
    "ATTACHMENT_MAX_FRAMES": env.int("CHAT_ATTACHMENT_MAX_FRAMES", default=500),
    # Images a process decodes at once (chat/image_work.py), and the seconds an upload waits
    # for its turn before it is answered 503 with Retry-After.
    "ATTACHMENT_IMAGE_WORKERS": env.int("CHAT_ATTACHMENT_IMAGE_WORKERS", default=1),
    "ATTACHMENT_IMAGE_WAIT": env.float("CHAT_ATTACHMENT_IMAGE_WAIT", default=5.0),
    "ATTACHMENT_THUMBNAIL_SIZE": 320,
    # Seconds a presigned bucket URL stays valid once a member's fetch was allowed.
    "ATTACHMENT_URL_TTL": env.int("CHAT_ATTACHMENT_URL_TTL", default=60),
    # Uploads no message took are deleted by cleanup_chat_uploads after this many seconds.
    "ATTACHMENT_UNATTACHED_TTL": env.int("CHAT_ATTACHMENT_UNATTACHED_TTL", default=3600),
    # Profiles (chat/services/profiles.py, chat/avatars.py). An avatar upload is checked as
    # an image attachment is, then stored as a square WebP of AVATAR_SIZE pixels a side.
    "AVATAR_MAX_BYTES": env.int("CHAT_AVATAR_MAX_BYTES", default=5 * 1024 * 1024),
    "AVATAR_SIZE": env.int("CHAT_AVATAR_SIZE", default=256),
    # A profile change (user.updated) goes to the user's rooms of at most this many members,
    # one publish each; larger rooms see it on the user's next message and in room.members.
    "PROFILE_EVENT_MAX_ROOM_SIZE": env.int("CHAT_PROFILE_EVENT_MAX_ROOM_SIZE", default=256),
    # Archives of users' data (GET /api/profile/export/, chat/export.py) a process writes at
    # once, each on a thread and a database connection of its own while it streams.
    "EXPORT_WORKERS": env.int("CHAT_EXPORT_WORKERS", default=1),
    # What a deleted account's messages become (chat/services/account_deletion.py): "keep",
    # shown as from "Deleted user" (a conversation keeps its sense), or "remove", deleted as a
    # moderator deletes them, their text erased. Their files are removed either way.
    "DELETED_USER_MESSAGES": env.str("CHAT_DELETED_USER_MESSAGES", default="keep"),
}
# The largest body of a webhook call (POST /hooks/<id>, chat/webhooks.py), in bytes: a text of
# MAX_CONTENT_CHARS characters fits however its JSON spells it (12 bytes a character is an
# escaped surrogate pair, "\ud83d\ude00"); larger bodies are answered 413 before they are read.
CHAT["WEBHOOK_MAX_BYTES"] = env.int(
    "CHAT_WEBHOOK_MAX_BYTES", default=12 * CHAT["MAX_CONTENT_CHARS"] + 1024
)
if CHAT["ADD_WITHOUT_CONSENT"] not in {"shared", "anyone"}:
    raise ImproperlyConfigured('CHAT_ADD_WITHOUT_CONSENT must be "shared" or "anyone".')
if CHAT["DELETED_USER_MESSAGES"] not in {"keep", "remove"}:
    raise ImproperlyConfigured('CHAT_DELETED_USER_MESSAGES must be "keep" or "remove".')


# --- Request bodies -----------------------------------------------------------------------

# The largest request body, in bytes, a path accepts; larger ones are answered 413 before they
# are read (config/body_limit.py), chunked ones as soon as they pass it. Forms, the token and
# ticket endpoints fit in a few KiB.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=64 * 1024)
# Paths that take more, by prefix (the longest that matches wins). An upload is the file and
# its multipart framing (the boundaries, the part headers and the room_id field). The admin's
# forms carry a message's whole content, URL-encoded: 10,000 characters can be 120 KB; its
# login form, open to anyone, keeps the default.
REQUEST_BODY_LIMITS = {
    "/api/attachments/": CHAT["ATTACHMENT_MAX_BYTES"] + 16 * 1024,
    "/hooks/": CHAT["WEBHOOK_MAX_BYTES"],
    "/api/profile/avatar/": CHAT["AVATAR_MAX_BYTES"] + 16 * 1024,
    "/admin/": 1024 * 1024,
    "/admin/login/": REQUEST_BODY_MAX_BYTES,
    # A browser's push subscription is well under 1 KiB.
    "/api/push/": 4 * 1024,
}
