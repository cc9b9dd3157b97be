"""Settings for cunwu.

Everything a deployment changes comes from the environment:
DATABASE_URL (default: embedded SQLite under var/), CUNWU_REPLICA_URL and CUNWU_DB_POOL (PostgreSQL: a streaming
replica for figures, a connection pool), REDIS_URL (optional: cache, queue and rate counters in Redis),
CUNWU_SECRET_KEY, CUNWU_DATA_KEYS, CUNWU_DEBUG,
CUNWU_ALLOWED_HOSTS, CUNWU_TOTP_REQUIRED, CUNWU_VAR_DIR, and a province's national reports: CUNWU_PROVINCE,
CUNWU_NATIONAL_URL, CUNWU_FEDERATION_KEY.
"""

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CUNWU_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("CUNWU_DEBUG", False)
SECRET_KEY = os.environ.get("CUNWU_SECRET_KEY", "")
if not SECRET_KEY:
    # An embedded single-machine install keeps a generated key under var/.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(64))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = [h for h in os.environ.get("CUNWU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "cunwu.regions",
    "cunwu.accounts",
    "cunwu.audit",
    "cunwu.notify",
    "cunwu.partners",
    "cunwu.directory",
    "cunwu.burden",
    "cunwu.households",
    "cunwu.cases",
    "cunwu.certificates",
    "cunwu.legal",
    "cunwu.notices",
    "cunwu.open311",
    "cunwu.federation",
    "cunwu.web",
    "huey.contrib.djhuey",
]

CSRF_FAILURE_VIEW = "cunwu.urls.csrf_failure"

MIDDLEWARE = [
    "cunwu.web.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cunwu.web.middleware.ChineseFirstLocaleMiddleware",
    "cunwu.web.middleware.RefuseUnstorableTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cunwu.accounts.middleware.SessionTimeoutMiddleware",
    "cunwu.web.middleware.PermissionOutcomeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cunwu.web.middleware.SecurityHeadersMiddleware",
]
if os.environ.get("CUNWU_REPLICA_URL", "").strip():
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
                      "cunwu.dbrouter.ReplicaMiddleware")

ROOT_URLCONF = "cunwu.urls"
WSGI_APPLICATION = "cunwu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cunwu.web.context.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with synchronous=FULL (NORMAL can lose the last commits on power
# loss) and IMMEDIATE transactions so that writers queue instead of failing with "database is locked".
_sqlite_path = VAR_DIR / "cunwu.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_sqlite_path}", conn_max_age=int(os.environ.get("CUNWU_CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["ENGINE"] = "cunwu.sqlite_backend"  # writers of this process queue in a lock
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
    }
    # in memory, one per test process (pytest-xdist keeps ":memory:" as it is)
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    # A province past one machine (docs/deployment.md): a streaming replica serves figures, exports and searches
    # (cunwu.dbrouter); CUNWU_DB_POOL=min:max keeps a pool of connections in each process (Django's, psycopg's
    # pool) instead of one connection per thread kept CUNWU_CONN_MAX_AGE seconds.
    _replica_url = os.environ.get("CUNWU_REPLICA_URL", "").strip()
    if _replica_url:
        DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
        DATABASE_ROUTERS = ["cunwu.dbrouter.ReplicaRouter"]
    _pool = os.environ.get("CUNWU_DB_POOL", "").strip()
    if _pool:
        _low, _, _high = _pool.partition(":")
        for _alias in DATABASES:
            DATABASES[_alias]["CONN_MAX_AGE"] = 0
            DATABASES[_alias].setdefault("OPTIONS", {})["pool"] = {
                "min_size": int(_low), "max_size": int(_high or _low), "timeout": 10}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = 8 * 3600  # absolute timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("CUNWU_SECURE_COOKIES", not DEBUG and "CUNWU_SECRET_KEY" in os.environ)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

CUNWU: dict[str, Any] = {
    # Idle timeout of a signed-in session, in seconds (the self-service terminal uses a shorter one).
    "SESSION_IDLE_SECONDS": int(os.environ.get("CUNWU_SESSION_IDLE_SECONDS", 30 * 60)),
    # A self-service terminal signs its user out and wipes the screen after this long without a touch (the page
    # warns 15 seconds before; the server ends the session itself even if the page cannot).
    "TERMINAL_IDLE_SECONDS": int(os.environ.get("CUNWU_TERMINAL_IDLE_SECONDS", 120)),
    # Officials holding a role at this level or above must use a TOTP second factor ("" switches it off).
    "TOTP_REQUIRED_FROM_LEVEL": "county" if _env_bool("CUNWU_TOTP_REQUIRED", True) else "",
    "TOTP_ISSUER": "cunwu 村务",
    # Sign-in throttling: failures allowed inside the window, then a lockout.
    "SIGN_IN_MAX_FAILURES": 5,  # per phone number, username or TOTP enrolment
    "SIGN_IN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("CUNWU_SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20)),
    "SIGN_IN_WINDOW_SECONDS": 15 * 60,
    "SIGN_IN_LOCKOUT_SECONDS": 15 * 60,
    "OTP_TTL_SECONDS": 5 * 60,
    "OTP_RESEND_SECONDS": 60,
    "OTP_MAX_PER_HOUR": 10,  # codes to one number
    "OTP_MAX_PER_ADDRESS_PER_HOUR": int(os.environ.get("CUNWU_OTP_MAX_PER_ADDRESS_PER_HOUR", 20)),
    # Text messages: the provider and its settings (docs/notifications.md). The outbox keeps texts in a table
    # for the demo and tests; production uses Alibaba Cloud (cunwu.sms.providers.aliyun.AliyunSms) or Tencent
    # Cloud (cunwu.sms.providers.tencent.TencentSms) with a template per purpose and an approved signature.
    "SMS": {
        "BACKEND": os.environ.get("CUNWU_SMS_BACKEND", "cunwu.sms.providers.outbox.OutboxSms"),
        "SIGN_NAME": os.environ.get("CUNWU_SMS_SIGN_NAME", ""),
        "ACCESS_KEY_ID": os.environ.get("CUNWU_SMS_ACCESS_KEY_ID", ""),
        "ACCESS_KEY_SECRET": os.environ.get("CUNWU_SMS_ACCESS_KEY_SECRET", ""),
        "SECRET_ID": os.environ.get("CUNWU_SMS_SECRET_ID", ""),
        "SECRET_KEY": os.environ.get("CUNWU_SMS_SECRET_KEY", ""),
        "SDK_APP_ID": os.environ.get("CUNWU_SMS_SDK_APP_ID", ""),
        "REGION": os.environ.get("CUNWU_SMS_REGION", ""),
        "TEMPLATES": json.loads(os.environ.get("CUNWU_SMS_TEMPLATES", "{}") or "{}"),
    },
    # WeCom (企业微信) application messages to officials, beside their texts ("" : not used).
    "WECOM": {
        "CORP_ID": os.environ.get("CUNWU_WECOM_CORP_ID", ""),
        "CORP_SECRET": os.environ.get("CUNWU_WECOM_CORP_SECRET", ""),
        "AGENT_ID": os.environ.get("CUNWU_WECOM_AGENT_ID", ""),
    },
    # Offices' working hours: a department's 30-minute report-in counts within them; outside them only urgent
    # notifications are texted, the rest wait for the next opening.
    "WORKING_HOURS": tuple(os.environ.get("CUNWU_WORKING_HOURS", "08:30-17:30").split("-")),
    # A person's notifications of one kind within this many seconds are sent as one text.
    "NOTIFY_GROUP_SECONDS": 180,
    # Keys for personal data at rest: "id:base64key" entries, comma separated, newest first.
    "DATA_KEYS": os.environ.get("CUNWU_DATA_KEYS", ""),
    # Keys of the audit chain's HMAC, the same form; separate from the data keys and from SECRET_KEY.
    "AUDIT_KEYS": os.environ.get("CUNWU_AUDIT_KEYS", ""),
    # Demo installs only: show the outbox's sign-in code on the code page (no real SMS is sent).
    "DEMO_SMS_ON_SCREEN": _env_bool("CUNWU_DEMO_SMS_ON_SCREEN", False),
    # The county departments that jointly review a request to admit new village work (a county may set its own).
    "ADMISSION_REVIEWERS": ["organisation", "rural_work", "civil_affairs"],
    # Case time limits ("h" hours around the clock, "m" minutes, "d" working days); see docs/cases.md.
    # respond: someone takes charge; resolve: the promise to the applicant (a service item's own promised
    # limit wins); dispatch: the township solves or calls departments in; department: a department's answer.
    "CASE_LIMITS": {
        "emergency": {"respond": "1h", "resolve": "2h", "dispatch": "1h", "department": "2h"},
        "urgent": {"respond": "2h", "resolve": "24h", "dispatch": "2h", "department": "24h"},
        "normal": {"respond": "24h", "resolve": "7d", "dispatch": "24h", "department": "5d"},
        "complex": {"respond": "24h", "resolve": "15d", "dispatch": "24h", "department": "10d"},
    },
    "APPLICATION_RESPOND": "1d",  # an application is taken up (or all missing materials listed) within
    "DEPARTMENT_SIGN_IN": "30m",  # departments report in within 30 minutes of the township's call
    "RECTIFY": "5d",  # after a bad rating
    "UNRATED_CLOSE": "10d",  # a result not rated within this closes as unrated
    "WARN_SHARE": 0.75,
    # Public legal services: how long a village's legal adviser has to answer a consultation (see docs/legal.md).
    # Legal Aid Law arts. 43-49 and the People's Mediation Law; the province may set tighter limits for rural
    # priority cases (AidPriorityLimits).
    "LEGAL_LIMITS": {"consultation": "2d", "aid_decision": "7d", "aid_assignment": "3d", "aid_agreement": "5d",
                     "aid_objection": "5d", "aid_urgent_days": 7, "mediation_months": 1, "confirmation_days": 30,
                     "aid_collaboration_answer": "2d"},  # the county asked for off-site collaboration answers
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    # Village notices (村务公开, Village Committees Organisation Law art. 30): what is due how often, how long a
    # notice is shown by default and at least.
    "NOTICE_DUE": {"affairs": "quarter", "finances": "month"},
    "NOTICE_DAYS": 30,
    "NOTICE_MIN_DAYS": 7,
    # Reports a national instance takes a minute from one address (a province catching up sends up to 90 at once).
    "FEDERATION_REPORTS_PER_MINUTE": int(os.environ.get("CUNWU_FEDERATION_REPORTS_PER_MINUTE", 300)),
    "VERIFICATIONS_PER_MINUTE": int(os.environ.get("CUNWU_VERIFICATIONS_PER_MINUTE", 30)),  # per client address,
    # on the public certificate verification page and API.
    # Where the public verification page lives, printed in certificates' QR codes ("" : the address the request came
    # to, e.g. https://cunwu.example.gov.cn).
    "PUBLIC_URL": os.environ.get("CUNWU_PUBLIC_URL", "").rstrip("/"),
    "ATTACHMENT_MAX_COUNT": 10,
    # Signed checkpoints of the audit chain, outside the database (docs/security.md): the private key's file and
    # the append-only file of checkpoints. Production keeps both off the database server.
    # A province's deployment reports its daily tallies, signed, to the national instance (docs/deployment.md):
    # which province it serves, where the national instance is, and the file with its signing key.
    "PROVINCE": os.environ.get("CUNWU_PROVINCE", ""),
    "NATIONAL_URL": os.environ.get("CUNWU_NATIONAL_URL", ""),
    "FEDERATION_KEY": os.environ.get("CUNWU_FEDERATION_KEY", str(VAR_DIR / "federation.key")),
    "AUDIT_CHECKPOINT_KEY": os.environ.get("CUNWU_AUDIT_CHECKPOINT_KEY", str(VAR_DIR / "audit-checkpoint.key")),
    "AUDIT_CHECKPOINTS": os.environ.get("CUNWU_AUDIT_CHECKPOINTS", str(VAR_DIR / "audit-checkpoints.jsonl")),
    # API tokens expire after this many days unless made for fewer (at most 366).
    # A streaming replica (CUNWU_REPLICA_URL) serves figures only while it is at most this far behind; its lag is
    # asked at most every REPLICA_CHECK_SECONDS per process.
    "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("CUNWU_REPLICA_MAX_LAG_SECONDS", 10)),
    "REPLICA_CHECK_SECONDS": float(os.environ.get("CUNWU_REPLICA_CHECK_SECONDS", 2)),
    "TOKEN_DAYS": int(os.environ.get("CUNWU_TOKEN_DAYS", 90)),
    # The reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are believed.
    "TRUSTED_PROXIES": os.environ.get("CUNWU_TRUSTED_PROXIES", ""),
    # Open311: public reads a minute from one client address (docs/open311.md); a partner's key has its own budget.
    "OPEN311_PER_MINUTE": int(os.environ.get("CUNWU_OPEN311_PER_MINUTE", 120)),
    # Webhooks: the receiver's answer is awaited this long; plain http://, or a receiver on this machine, is allowed
    # only to these hosts (an intranet host without TLS), comma separated.
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("CUNWU_WEBHOOK_TIMEOUT_SECONDS", 5)),
    "WEBHOOK_HTTP_HOSTS": os.environ.get("CUNWU_WEBHOOK_HTTP_HOSTS", ""),
    # A demo install (make run): the text message outbox page exists, sign-in codes may show on screen.
    "DEMO_MODE": _env_bool("CUNWU_DEMO", False) or _env_bool("CUNWU_DEMO_SMS_ON_SCREEN", False),
    "ATTACHMENT_TYPES": ["image/jpeg", "image/png", "image/webp", "application/pdf"],
}

# --- Shared cache, queue and rate counters ---------------------------------------------------------------
# Every process and machine of a deployment reads the same cache, queue and rate counters. Without Redis they
# are the database's: the cache table (made by `cunwu migrate`), rows of accounts.throttle, and huey's queue in
# a SQLite file beside the database (CUNWU_TASKS=postgres: in the PostgreSQL database, several hosts, one
# queue). With REDIS_URL all three live in Redis (cunwu.sharedstore: while Redis is down, pages are drawn
# without the cache, queued work waits for the worker's sweeps and rate limits refuse).
# Read-aloud clips (up to half a megabyte of audio each, the same for the same words) stay out of both, in
# files on each machine, shared by its processes.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
_speech_cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                 "LOCATION": str(VAR_DIR / "cache" / "speech"), "OPTIONS": {"MAX_ENTRIES": 400}}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "cunwu.sharedstore.TolerantRedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": "cunwu", "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}},
        "speech": _speech_cache,
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cunwu_cache",
                    "OPTIONS": {"MAX_ENTRIES": 5000}},
        "speech": _speech_cache,
    }

# --- Background work ------------------------------------------------------------------------------
# `cunwu worker` runs huey's consumer over the queue chosen above.
_consumer = {"workers": 2, "worker_type": "thread", "periodic": True}
if REDIS_URL:
    # (huey takes the URL alone: its timeouts go in the query string, unless the deployment's URL sets them)
    _queue_url = REDIS_URL if "timeout" in REDIS_URL else (
        REDIS_URL + ("&" if "?" in REDIS_URL else "?") + "socket_connect_timeout=0.5&socket_timeout=5")
    HUEY = {"name": "cunwu", "huey_class": "huey.RedisHuey", "immediate": False, "url": _queue_url,
            "consumer": _consumer}
elif os.environ.get("CUNWU_TASKS", "sqlite") == "postgres" and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _db = DATABASES["default"]
    HUEY = {
        "name": "cunwu", "huey_class": "huey.PostgresHuey", "immediate": False,
        "connection": {"dsn": f"host={_db['HOST']} port={_db['PORT'] or 5432} dbname={_db['NAME']} "
                              f"user={_db['USER']} password={_db['PASSWORD']}"},
        "consumer": _consumer,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "name": "cunwu", "huey_class": "huey.SqliteHuey", "immediate": False,
        "filename": str(VAR_DIR / "tasks.sqlite3"), "consumer": _consumer,
    }

MEDIA_ROOT = VAR_DIR / "media"  # case attachments; served only through permission-checked views
MEDIA_URL = "/media/"

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers -----------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = int(os.environ.get("CUNWU_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("CUNWU_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("CUNWU_HSTS_PRELOAD", True)
# A production deployment (its secret key from the environment) sends every plain-HTTP request to HTTPS; the
# scheme is the trusted proxy's (TrustedProxyMiddleware runs first).
SECURE_SSL_REDIRECT = _env_bool("CUNWU_SSL_REDIRECT", not DEBUG and "CUNWU_SECRET_KEY" in os.environ)
# Behind a TLS proxy, CUNWU_TRUSTED_PROXIES names it; TrustedProxyMiddleware then takes the scheme and the client
# address from its headers (and from nobody else's), so SECURE_PROXY_SSL_HEADER stays unset.
SECURE_PROXY_SSL_HEADER = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
