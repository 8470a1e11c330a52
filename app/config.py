"""Configuration classes. Everything that differs between machines comes from the environment."""
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves


def _sqlite_default() -> str:
    return f"sqlite:///{BASE_DIR / 'instance' / 'chengxin.db'}"


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the only PostgreSQL driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """The key of this machine's instance folder (`<instance>/secret_key`, mode 0600), made on
    first use: a random 64-hex-digit string. Every process of the machine (gunicorn workers, the
    ticker, Celery, the CLI) reads the same file. Made race-free: the key is written completely to
    a private temporary file which is then hard-linked into place — linking fails if another
    process was first, and then everyone reads that one."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd, draft = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(draft)
    with open(path, encoding="ascii") as f:
        key = f.read().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key: delete it (a new one is made) or set SECRET_KEY")
    return key


DEV_CLOCK_FILE = "dev-clock.json"  # in the instance folder (app.core.clock.OffsetFile)


class Config:
    # Unset: the instance folder's own random key (see create_app). Several machines serving one
    # site must share one SECRET_KEY (docs/deploy.md).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("DATABASE_URL", _sqlite_default()))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # SQLite only (see app/core/sqlite.py): WAL journal, and how a commit is synced. FULL syncs the log on
    # every commit (a power cut loses nothing committed); NORMAL is faster but may lose the last
    # commits on a power cut (never consistency).
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "FULL").upper()
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", 10_000))
    # Inbox tabs and case lists count up to this many rows and then say "1000+" (see app/core/pagination.py).
    LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", 1000))
    # The development clock (app/admin/devclock.py): an admin or `flask dev-clock` may set product
    # time for the whole installation. On for development (`make run`); never in production, where
    # the production configuration forces it off whatever the environment says.
    DEV_CLOCK = os.environ.get("CHENGXIN_DEV_CLOCK", "1") == "1"
    WORKFLOWS_DIR = os.environ.get("WORKFLOWS_DIR", str(BASE_DIR / "workflows"))
    FORMS_DIR = os.environ.get("FORMS_DIR", str(BASE_DIR / "forms"))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    ATTACHMENT_TYPES = {
        # extension -> content type; the file's first bytes must match (see app/cases/attachments.py)
        "pdf": "application/pdf",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "txt": "text/plain",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    BPMN_MAX_BYTES = int(os.environ.get("BPMN_MAX_BYTES", 2 * 1024 * 1024))
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", 12))
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", 5))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", 15))
    # Failed sign-ins from one address across all user names within LOGIN_LOCK_MINUTES (an office
    # behind one NAT address shares it).
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 50))
    # Behind this many reverse proxies (load balancer…), the client address is taken from X-Forwarded-For.
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", 0))
    TIMEZONE = "Asia/Shanghai"
    # The public portal (/public, /api/v1/public): requests per client address (app/core/rate_limits.py).
    PUBLIC_RATE_LIMIT = os.environ.get("PUBLIC_RATE_LIMIT", "60 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sandbox limits for BPMN scripts and expressions.
    SCRIPT_TIME_LIMIT_SECONDS = float(os.environ.get("SCRIPT_TIME_LIMIT_SECONDS", 1.0))
    PAGE_SIZE_MAX = 100
    # Complaint monitoring (policy §二(二)13–14): the thresholds are the decision table
    # complaint_thresholds (workflows/rules); this unit raises the automatic warnings.
    COMPLAINT_WARNING_DEPARTMENT = os.environ.get("COMPLAINT_WARNING_DEPARTMENT", "dcs")  # raises automatic warnings
    COMPLAINT_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    # Mail: sent through SMTP when MAIL_SERVER is set; without one nothing is sent and the outbox
    # rows are marked "unconfigured" (shown on /admin/mail, resent from there once a server is set).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "chengxin@localhost")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", 5))
    # The daily digest of the day before is queued from this local (Asia/Shanghai) hour on.
    MAIL_DIGEST_HOUR = int(os.environ.get("MAIL_DIGEST_HOUR", 7))
    # Document numbers: 沪信〔2026〕15号 — the prefix of the issuing unit (by department code);
    # a unit without one numbers with its name, e.g. 浦东新区人民政府〔2026〕3号.
    DOCUMENT_PREFIXES = {"xyzx": "沪信", "fgw": "沪发改信", "dcs": "沪府督", "czj": "沪财信"}
    FAULT_INJECTION = os.environ.get("CHENGXIN_FAULT_INJECTION") == "1"  # crash-safety tests only
    # The sharing feed to the credit platforms (docs/sharing.md): a JSON list of
    # {"name": "national" | "creditchina" | "shanghai", "url": "https://…", "token": "…"}; empty = nothing shared.
    SHARING_ENDPOINTS = os.environ.get("SHARING_ENDPOINTS", "")
    SHARING_TIMEOUT_SECONDS = float(os.environ.get("SHARING_TIMEOUT_SECONDS", 10))  # one HTTP POST
    SHARING_MAX_ATTEMPTS = int(os.environ.get("SHARING_MAX_ATTEMPTS", 10))  # then failed: resend by hand
    SHARING_RETRY_BASE_SECONDS = float(os.environ.get("SHARING_RETRY_BASE_SECONDS", 60))  # wait after attempt 1, doubling
    SHARING_RETRY_CAP_SECONDS = float(os.environ.get("SHARING_RETRY_CAP_SECONDS", 6 * 3600))  # longest wait
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")  # e.g. redis://127.0.0.1:6379/0
    TICK_SECONDS = float(os.environ.get("TICK_SECONDS", 5))
    # Where the site is reached from outside, e.g. https://chengxin.example.gov.cn: the absolute
    # verification URL printed on every document and encoded in its QR code, and links in mail.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or DEVELOPMENT_BASE_URL
    # Web sessions: signed cookie, expires after 30 minutes without activity.
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_MINUTES", 30)) * 60
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", 12))  # a login lasts at most this long
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    """Chosen with CHENGXIN_ENV=production (`make run-prod`, docs/deploy.md). No development
    defaults: PUBLIC_BASE_URL must be set (check_public_base_url refuses to start without it)."""

    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    DEV_CLOCK = False  # whatever CHENGXIN_DEV_CLOCK says: production runs on real time only


def config_for_environment() -> type[Config]:
    """The config class of this process: TestConfig under the tests (FLASK_TESTING), ProductionConfig
    with CHENGXIN_ENV=production, else the development Config."""
    if os.environ.get("FLASK_TESTING"):
        return TestConfig
    return ProductionConfig if os.environ.get("CHENGXIN_ENV", "").lower() == "production" else Config


def check_public_base_url(config) -> None:
    """Refuse to start (RuntimeError, naming the variable) when PUBLIC_BASE_URL is unset or not an
    absolute http(s) address without query or fragment: every document printed after that would
    carry a verification link and QR code nobody outside can open, and documents never change."""
    value = (config.get("PUBLIC_BASE_URL") or "").strip()
    parsed = urlsplit(value)
    if not value:
        raise RuntimeError("PUBLIC_BASE_URL is not set: set it to the address the public reaches this site at, "
                           "e.g. PUBLIC_BASE_URL=https://chengxin.example.gov.cn (it is printed on every document "
                           "as the verification link and QR code; required in production)")
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        raise RuntimeError(f"PUBLIC_BASE_URL={value!r} is not an absolute http(s) address such as "
                           "https://chengxin.example.gov.cn")
    config["PUBLIC_BASE_URL"] = value.rstrip("/")


class TestConfig(Config):
    TESTING = True
    DEV_CLOCK = False  # tests move the clock themselves; a test of the development clock turns it on
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True
    # The suite's many portal requests share one address; the rate-limit test lowers this itself.
    PUBLIC_RATE_LIMIT = "1000 per minute"
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///" + str(BASE_DIR / "instance" / "test.db"))
    )
