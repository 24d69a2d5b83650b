"""Configuration from environment variables only.

Defaults run offline for a newcomer (SQLite under ``instance/``, in-process store, local WeChat
sandbox, keys generated into ``instance/``); ``APP_ENV=production`` refuses to start without the
secrets, so a forgotten variable can never silently fall back to a demo key.
"""
from __future__ import annotations

import logging
import math
import os
import secrets
from collections import Counter
from pathlib import Path

from cryptography.fernet import Fernet

from runtime import config_values as read
from runtime.config_values import ConfigError

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"

#: name → what it means; README.md documents the same list.
ENV_VARS = {
    "APP_ENV": "development (default) or production; production refuses missing secrets",
    "DATABASE_URL": "SQLAlchemy URL; default sqlite:///instance/qingchun.db",
    "REDIS_URL": "shared store, locks and RQ; unset: in-process store, jobs inline",
    "SECRET_KEY": "signs sessions, links and QR tokens; dev: generated into instance/",
    "DATA_KEY": "Fernet key protecting ID numbers and phones, or several (newest first, comma-separated) while rotating; dev: generated into instance/",
    "WECHAT_TOKEN": "the official account's callback token",
    "WECHAT_APP_ID": "the official account's AppID",
    "WECHAT_APP_SECRET": "the official account's AppSecret",
    "WECHAT_ENCODING_AES_KEY": "43-character EncodingAESKey for safe mode",
    "WECHAT_MESSAGE_MODE": "plain, compatible or safe (safe refuses plaintext callbacks); default safe in "
                           "production with an EncodingAESKey, compatible with a key in development, else plain",
    "WECHAT_API_BASE_URL": "WeChat API base URL; unset: the local sandbox",
    "SANDBOX_NETWORK": "1: the development sandbox (SMS codes, the WeChat user picker) answers other machines too; "
                       "default 0: this machine only",
    "WECHAT_MINIPROGRAM_APP_ID": "the mini-program's AppID (login by jscode2session)",
    "WECHAT_MINIPROGRAM_APP_SECRET": "the mini-program's AppSecret",
    "SMS_BACKEND": "verification-code sender: log (development: the code goes to the log) or tencent (Tencent Cloud SMS)",
    "TENCENT_SMS_SECRET_ID": "Tencent Cloud API SecretId (SMS_BACKEND=tencent)",
    "TENCENT_SMS_SECRET_KEY": "Tencent Cloud API SecretKey",
    "TENCENT_SMS_SDK_APP_ID": "the SMS application's SdkAppId",
    "TENCENT_SMS_SIGN_NAME": "the approved signature (签名), e.g. 青春北京",
    "TENCENT_SMS_TEMPLATE_ID": "the approved template: two parameters, {1} the purpose and {2} the code",
    "TENCENT_SMS_NOTICE_TEMPLATE_ID": "the approved notice template with one parameter {1}, the time an account is "
                                      "handed over after an identity appeal; unset: that notice goes by WeChat only",
    "TENCENT_SMS_REGION": "Tencent Cloud region of the SMS application; default ap-guangzhou",
    "TENCENT_SMS_ENDPOINT": "SMS API host; default sms.tencentcloudapi.com in production, the sandbox in development",
    "WECHAT_OAUTH_BASE_URL": "web authorisation (OAuth) base; unset: open.weixin.qq.com, or the sandbox with it",
    "TEAM_QR_MODE": "what team posters carry: auto (WeChat QR when WeChat is configured, else the join link), wechat, link",
    "PUBLIC_BASE_URL": "external base URL used in links and QR codes",
    "WECHAT_LOCATION_EVENT_COORD": "coordinate system of LOCATION events (unstated by WeChat); default wgs84",
    "WECHAT_LOCATION_MESSAGE_COORD": "coordinate system of location messages (Tencent map picker); default gcj02",
    "PUSH_TEMPLATE_ID": "template id of the project notice; dev: the sandbox's sandbox_project_notice",
    "PUSH_TEMPLATE_FIELDS": 'JSON: template keyword → title|time|site|team|contact; default {"thing1": "title", "time2": "time", "thing3": "site"}',
    "PUSH_CHANNEL": "template (default): template messages; subscribe: subscription notifications (订阅通知, bizsend) to members who accepted",
    "PUSH_SUBSCRIBE_TEMPLATE_ID": "subscription-notification template id (the same keywords as PUSH_TEMPLATE_FIELDS); dev: the sandbox's sandbox_subscribe_project",
    "REMINDER_TEMPLATE_ID": "template id of member reminders (活动提醒); dev: the sandbox's sandbox_reminder_notice",
    "REMINDER_SUBSCRIBE_TEMPLATE_ID": "subscription-notification template id of reminders, used for members who accepted it; "
                                      "dev: the sandbox's sandbox_subscribe_reminder",
    "REMINDER_TEMPLATE_FIELDS": 'JSON: reminder keyword → title|time|note; default {"thing1": "title", "time2": "time", "thing3": "note"}',
    "REMINDER_HOURS": "Beijing hours in which reminders are sent, FROM-UNTIL; default 9-21",
    "REMINDER_PERIOD_DAYS": "days before a quarter, semester or holiday ends that members who have not taken part are reminded; default 14",
    "REMINDER_INTERVAL": "seconds between the scheduler's reminder rounds; default 900; 0: no reminders",
    "PUSH_MINIPROGRAM_PAGEPATH": "when set (e.g. pages/project/index?code={code}), pushed notices open the mini-program page",
    "PUSH_ON_PUBLISH": "1 (default): publishing a project pushes it; 0: only the console button and the CLI do",
    "PUSH_RATE_PER_SECOND": "template messages per second across all workers; default 50",
    "PUSH_MAX_ATTEMPTS": "tries per message on -1 and network errors; default 4",
    "PUSH_RETRY_BACKOFF": "seconds before the first retry, doubled each time; default 1",
    "PUSH_CLAIM_LEASE": "seconds after which a message claimed by a dead job counts as interrupted; default 120",
    "TRUSTED_PROXIES": "how many proxies in front of the app set X-Forwarded-For (1 behind nginx); default 0",
    "PUSH_RECOVERY_INTERVAL": "seconds between the scheduler's look for stalled or orphaned push runs; default 60",
    "JOB_RETRY_INTERVALS": "seconds before each retry of a failed push job (comma-separated); default 10,30,60",
    "APPEAL_PHOTO_DIR": "where identity-appeal photos are kept, encrypted; default instance/appeals",
    "APPEAL_PHOTO_RETENTION_DAYS": "days after the decision an identity-appeal photo is deleted; default 30",
    "METRICS_NETWORKS": "comma-separated networks allowed to read /metrics; default 127.0.0.1/32,::1/128",
    "METRICS_TOKEN": "a bearer token that also opens /metrics (for a scraper outside those networks)",
    "WORKER_HEARTBEAT_SECONDS": "how often a worker beats for the job it runs (a dead worker's job leaves "
                                "'started' within three beats and the next registry cleanup); default 30",
    "WORKER_MAINTENANCE_SECONDS": "how often a worker cleans RQ's registries (abandoned jobs to failed); default 60",
    "WORKER_METRICS_PORT": "a port on which `flask jobs worker` serves its own Prometheus metrics (push deliveries); default 0: none",
    "WORKER_METRICS_ADDR": "the address it binds; default 127.0.0.1",
    "LOG_FORMAT": "json (production default): one JSON object per line with request_id, member_id, org_id, job_id; text: readable lines",
    "LOCATION_RETENTION_DAYS": "days after a record's decision its sign-in/out coordinates are deleted (the distance is kept); default 180",
    "DB_IDLE_IN_TRANSACTION_SECONDS": "PostgreSQL ends a session idle inside a transaction this long (its locks "
                                      "released); 0: never; default 60",
    "DB_POOL_SIZE": "database connections kept open per process; at least gunicorn's --threads (default 10), "
                    "or every request beyond it opens and closes a connection of its own",
    "STATS_MAX_AGE_SECONDS": "a dashboard older than this is recounted when looked at (in the background with RQ); default 600",
    "BAIDU_MAP_AK": "Baidu Map API key for finding sites from addresses; unset in production: no geocoding",
    "GEOCODER_BASE_URL": "geocoding API base; unset: api.map.baidu.com in production, the sandbox in development",
    "EMBEDDED_SCHEDULER": "1: without REDIS_URL, run the periodic jobs in this process (make run sets it); default 0",
    "EMBEDDED_SCHEDULER_FIRST_RUN": "seconds after start before the embedded scheduler's first round; default 30",
}

DEV_AES_KEY = "qingchunzhiyuandevelopmentonlyaeskey0123456"  # 43 characters, development only

PRODUCTION_REQUIRED = ("SECRET_KEY", "DATA_KEY", "DATABASE_URL", "REDIS_URL", "WECHAT_TOKEN",
                       "WECHAT_APP_ID", "WECHAT_APP_SECRET", "PUBLIC_BASE_URL", "WECHAT_MINIPROGRAM_APP_ID",
                       "WECHAT_MINIPROGRAM_APP_SECRET")
#: The development values README shows; production refuses each (a copied README must not go live).
DEV_VALUES = {"WECHAT_TOKEN": "qingchun-dev-token", "WECHAT_APP_ID": "wxdev0000000000000",
              "WECHAT_APP_SECRET": "dev-app-secret", "WECHAT_ENCODING_AES_KEY": DEV_AES_KEY,
              "WECHAT_MINIPROGRAM_APP_ID": "wxminiprogram0001",
              "WECHAT_MINIPROGRAM_APP_SECRET": "dev-miniprogram-secret"}
MIN_SECRET_KEY = 32
MIN_SECRET_BITS = 128  # Shannon estimate over the key's own characters; secrets.token_urlsafe(48) gives ~360
#: What a placeholder says of itself (deploy/.env.example's values, tutorials' "changeme" and the like).
PLACEHOLDER_MARKS = ("change-me", "changeme", "change_me", "replace-me", "your-secret", "your_secret", "example",
                     "placeholder", "secret-key", "generate-with")


def _instance_secret(name: str, make) -> str:
    """Read a development secret from instance/, creating it once so restarts keep the data readable."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    # Heroku-style postgres:// is common in the wild; SQLAlchemy 2 only knows postgresql://.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def _engine_options(env: dict, database_url: str, production: bool) -> dict:
    """A server database's pool holds DB_POOL_SIZE connections (a connection idle for a while is pinged
    before use: runtime/dbping.py); SQLite keeps its own pools. Production hides statement parameters from
    SQLAlchemy's error texts: a failed INSERT would otherwise log a member's encrypted fields and names."""
    options = {"hide_parameters": True} if production else {}
    if database_url.startswith("sqlite"):
        return options
    options["pool_size"] = read.number(env, "DB_POOL_SIZE", 10, minimum=1)
    idle = read.number(env, "DB_IDLE_IN_TRANSACTION_SECONDS", 60, minimum=0)
    if idle and database_url.startswith("postgresql"):
        # A client that vanished without closing its connection (a node lost to a partition, a proxy
        # that kept the socket) left its transaction open and its row locks held: every enrolment in
        # that project waited behind it (bench/eventday). PostgreSQL ends such a session itself.
        options["connect_args"] = {"options": f"-c idle_in_transaction_session_timeout={idle * 1000}"}
    return options


TENCENT_SMS_REQUIRED = ("TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID",
                        "TENCENT_SMS_SIGN_NAME", "TENCENT_SMS_TEMPLATE_ID")


def _tencent_sms(env: dict, production: bool) -> dict:
    """Production names its account; development points the SDK at the sandbox with stand-in values."""
    if production and env.get("SMS_BACKEND") == "tencent":
        missing = [name for name in TENCENT_SMS_REQUIRED if not env.get(name)]
        if missing:
            raise ConfigError("SMS_BACKEND=tencent needs " + ", ".join(missing))
    stand_in = {**SMS_STAND_INS, "TENCENT_SMS_SIGN_NAME": "青春北京"}
    values = {name: env.get(name) or stand_in[name] for name in TENCENT_SMS_REQUIRED}
    values["TENCENT_SMS_REGION"] = env.get("TENCENT_SMS_REGION") or "ap-guangzhou"
    values["TENCENT_SMS_NOTICE_TEMPLATE_ID"] = env.get("TENCENT_SMS_NOTICE_TEMPLATE_ID") or None
    values["TENCENT_SMS_ENDPOINT"] = env.get("TENCENT_SMS_ENDPOINT") or (
        "sms.tencentcloudapi.com" if production else None)
    return values


def _secret_bits(value: str) -> float:
    """Length × the Shannon entropy of the value's characters: 32 × "a" is 0, a random key hundreds."""
    counts = Counter(value)
    return -sum(n * math.log2(n / len(value)) for n in counts.values())


def _weak_secret_key(value: str) -> str | None:
    if len(value) < MIN_SECRET_KEY:
        return f"SECRET_KEY must be at least {MIN_SECRET_KEY} characters"
    if any(mark in value.lower() for mark in PLACEHOLDER_MARKS):
        return "SECRET_KEY is a placeholder (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    if _secret_bits(value) < MIN_SECRET_BITS or len(set(value)) < 12:
        return "SECRET_KEY has too little entropy (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    return None


#: The sandbox's Tencent SMS stand-ins (development points the SDK at them); never an account's values.
SMS_STAND_INS = {"TENCENT_SMS_SECRET_ID": "sandbox-sms-secret-id", "TENCENT_SMS_SECRET_KEY": "sandbox-sms-secret-key",
                 "TENCENT_SMS_SDK_APP_ID": "1400000000", "TENCENT_SMS_TEMPLATE_ID": "100000"}


def _refuse_development_values(env: dict) -> None:
    problems = [f"{name} is the development value from README" for name, value in DEV_VALUES.items()
                if env.get(name) == value]
    weak = _weak_secret_key(env["SECRET_KEY"])
    if weak:
        problems.append(weak)
    problems += [f"{name} is the sandbox's stand-in, not a Tencent Cloud account's" for name, value in
                 SMS_STAND_INS.items() if env.get(name) == value]
    if "sandbox" in (env.get("TENCENT_SMS_ENDPOINT") or "").lower():
        problems.append("TENCENT_SMS_ENDPOINT points at the sandbox")
    if not env["PUBLIC_BASE_URL"].lower().startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be https:// (WeChat pages, cookies and links need TLS)")
    if (env.get("SMS_BACKEND") or "log") == "log":
        problems.append("SMS_BACKEND=log only writes codes to the log; set SMS_BACKEND=tencent")
    if problems:
        raise ConfigError("production refuses to start: " + "; ".join(problems))


def load_config(env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from an environment (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", "development")
    if app_env not in ("development", "production"):
        raise ConfigError(f"APP_ENV must be development or production, not {app_env!r}")
    production = app_env == "production"
    if production:
        missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
        if missing:
            raise ConfigError("production needs these environment variables: " + ", ".join(missing))
        try:
            for key in env["DATA_KEY"].split(","):
                Fernet(key.strip().encode())
        except ValueError as exc:
            raise ConfigError("DATA_KEY must be Fernet keys (32 url-safe base64 bytes), newest first, "
                              "separated by commas") from exc
        _refuse_development_values(env)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'qingchun.db'}"
    # A fixed development key lets `make run` and the simulator use safe mode; production sets its own.
    aes_key = env.get("WECHAT_ENCODING_AES_KEY") or (None if production else DEV_AES_KEY)
    return {
        "APP_ENV": app_env,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(env, database_url, production),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret("secret_key", lambda: secrets.token_hex(32)),
        "DATA_KEY": env.get("DATA_KEY") or _instance_secret("data_key", lambda: Fernet.generate_key().decode()),
        "WECHAT_TOKEN": env.get("WECHAT_TOKEN") or "qingchun-dev-token",
        "WECHAT_APP_ID": env.get("WECHAT_APP_ID") or "wxdev0000000000000",
        "WECHAT_APP_SECRET": env.get("WECHAT_APP_SECRET") or "dev-app-secret",
        "WECHAT_ENCODING_AES_KEY": aes_key,
        "WECHAT_MESSAGE_MODE": read.message_mode(env, aes_key, production),
        "WECHAT_API_BASE_URL": env.get("WECHAT_API_BASE_URL") or None,
        "SANDBOX_NETWORK": read.flag(env, "SANDBOX_NETWORK", False),
        "WECHAT_MINIPROGRAM_APP_ID": env.get("WECHAT_MINIPROGRAM_APP_ID") or "wxminiprogram0001",
        "WECHAT_MINIPROGRAM_APP_SECRET": env.get("WECHAT_MINIPROGRAM_APP_SECRET") or "dev-miniprogram-secret",
        "WECHAT_OAUTH_BASE_URL": env.get("WECHAT_OAUTH_BASE_URL") or None,
        "SMS_BACKEND": read.choice(env, "SMS_BACKEND", ("log", "tencent")),
        **_tencent_sms(env, production),
        "TEAM_QR_MODE": read.choice(env, "TEAM_QR_MODE", ("auto", "wechat", "link")),
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "WECHAT_LOCATION_EVENT_COORD": read.coord(env, "WECHAT_LOCATION_EVENT_COORD", "wgs84"),
        "WECHAT_LOCATION_MESSAGE_COORD": read.coord(env, "WECHAT_LOCATION_MESSAGE_COORD", "gcj02"),
        "PUSH_TEMPLATE_ID": env.get("PUSH_TEMPLATE_ID") or (None if production else "sandbox_project_notice"),
        "PUSH_TEMPLATE_FIELDS": read.push_fields(env),
        "PUSH_CHANNEL": read.choice(env, "PUSH_CHANNEL", ("template", "subscribe")),
        "PUSH_SUBSCRIBE_TEMPLATE_ID": env.get("PUSH_SUBSCRIBE_TEMPLATE_ID") or (
            None if production else "sandbox_subscribe_project"),
        "PUSH_MINIPROGRAM_PAGEPATH": env.get("PUSH_MINIPROGRAM_PAGEPATH") or None,
        "REMINDER_TEMPLATE_ID": env.get("REMINDER_TEMPLATE_ID") or (None if production else "sandbox_reminder_notice"),
        "REMINDER_SUBSCRIBE_TEMPLATE_ID": env.get("REMINDER_SUBSCRIBE_TEMPLATE_ID") or (
            None if production else "sandbox_subscribe_reminder"),
        "REMINDER_TEMPLATE_FIELDS": read.push_fields(env, "REMINDER_TEMPLATE_FIELDS", read.DEFAULT_REMINDER_FIELDS,
                                                     read.REMINDER_FIELD_SOURCES),
        "REMINDER_HOURS": read.hour_window(env, "REMINDER_HOURS", (9, 21)),
        "REMINDER_PERIOD_DAYS": read.number(env, "REMINDER_PERIOD_DAYS", 14, minimum=1),
        "REMINDER_INTERVAL": read.number(env, "REMINDER_INTERVAL", 900, minimum=0),
        "PUSH_ON_PUBLISH": read.flag(env, "PUSH_ON_PUBLISH", True),
        "PUSH_RATE_PER_SECOND": read.number(env, "PUSH_RATE_PER_SECOND", 50, minimum=1),
        "PUSH_MAX_ATTEMPTS": read.number(env, "PUSH_MAX_ATTEMPTS", 4, minimum=1),
        "PUSH_RETRY_BACKOFF": read.number(env, "PUSH_RETRY_BACKOFF", 1.0, float),
        "PUSH_CLAIM_LEASE": read.number(env, "PUSH_CLAIM_LEASE", 120.0, float, minimum=1),
        "PUSH_HTTP_TIMEOUT": 5.0,
        "TRUSTED_PROXIES": read.number(env, "TRUSTED_PROXIES", 0),
        "APPEAL_PHOTO_DIR": env.get("APPEAL_PHOTO_DIR") or str(INSTANCE / "appeals"),
        "POSTER_BATCH_DIR": env.get("POSTER_BATCH_DIR") or str(INSTANCE / "poster-batches"),
        "ORG_IMPORT_DIR": env.get("ORG_IMPORT_DIR") or str(INSTANCE / "org-imports"),
        "APPEAL_PHOTO_RETENTION_DAYS": read.number(env, "APPEAL_PHOTO_RETENTION_DAYS", 30, minimum=1),
        "LOCATION_RETENTION_DAYS": read.number(env, "LOCATION_RETENTION_DAYS", 180, minimum=1),
        "LOG_FORMAT": env.get("LOG_FORMAT") or ("json" if production else "text"),
        "METRICS_NETWORKS": read.networks(env.get("METRICS_NETWORKS") or "127.0.0.1/32,::1/128"),
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "WORKER_METRICS_PORT": read.number(env, "WORKER_METRICS_PORT", 0),
        "WORKER_HEARTBEAT_SECONDS": read.number(env, "WORKER_HEARTBEAT_SECONDS", 30, minimum=1),
        "WORKER_MAINTENANCE_SECONDS": read.number(env, "WORKER_MAINTENANCE_SECONDS", 60, minimum=1),
        "WORKER_METRICS_ADDR": env.get("WORKER_METRICS_ADDR") or "127.0.0.1",
        "PUSH_RECOVERY_INTERVAL": read.number(env, "PUSH_RECOVERY_INTERVAL", 60, minimum=1),
        "JOB_RETRY_INTERVALS": read.intervals(env, "JOB_RETRY_INTERVALS", (10, 30, 60)),
        "STATS_MAX_AGE_SECONDS": read.number(env, "STATS_MAX_AGE_SECONDS", 600, minimum=0),
        "EMBEDDED_SCHEDULER": read.flag(env, "EMBEDDED_SCHEDULER", False),
        "BAIDU_MAP_AK": env.get("BAIDU_MAP_AK") or None,
        "GEOCODER_BASE_URL": env.get("GEOCODER_BASE_URL") or None,
        "EMBEDDED_SCHEDULER_FIRST_RUN": read.number(env, "EMBEDDED_SCHEDULER_FIRST_RUN", 30, kind=float, minimum=0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
