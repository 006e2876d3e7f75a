"""Every setting of every process, with its default: the one place they are defined.

A setting is an environment variable named after its field (`rasa_port` is RASA_PORT). The supervisor passes the
whole environment, defaults filled in (`environment()`), to each process it starts, so Rasa's endpoints files,
the channels and the action server see the same values; a process started on its own reads `Settings.load()`.
The defaults are the embedded set-up of `make run` on this machine; production overrides them (README,
"Production configuration").
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import os
import secrets
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtual environment's programs (rasa, py-spy)
TRUE = {"1", "true", "yes", "on"}
# Modules that warn when imported, past any filter (sanic.app's own filter; pyparsing's warnings are also UserWarnings,
# which Rasa shows once): imported with warnings off unless VERBOSE=1.
WARN_ON_IMPORT = ("sanic.app", "packaging.requirements")
QUIET_WARNINGS = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")  # shown only with VERBOSE=1


@dataclass(frozen=True)
class Settings:
    """The settings, typed; `load()` reads them from the environment."""

    # Ports (each overridable) and where the servers find each other.
    rasa_port: int = 5005
    action_server_port: int = 5055
    action_server_host: str = "127.0.0.1"  # where the action server listens (0.0.0.0 in a container)
    web_port: int = 8080
    review_port: int = 8081
    review_host: str = "127.0.0.1"
    action_endpoint_url: str = ""  # the action server as Rasa sees it; "" means http://127.0.0.1:ACTION_SERVER_PORT
    cors_origins: str = "http://localhost:8080 http://127.0.0.1:8080"
    rasa_public_url: str = ""  # Rasa's address as browsers see it; "" means the website's host on RASA_PORT
    quick_exit_url: str = "https://www.bbc.co.uk/weather"  # where the website's quick exit goes
    # Rasa: model, endpoints, channels, replicas (one process per core, up to 4, answers one message at a time each).
    rasa_model: Path = ROOT / "models" / "current.tar.gz"
    rasa_endpoints: Path = ROOT / "endpoints.yml"
    rasa_credentials: Path = ROOT / "credentials.yml"
    rasa_replicas: int = min(os.cpu_count() or 1, 4)
    rasa_replica_ports: str = ""  # space-separated; "" means RASA_REPLICAS ports after RASA_PORT
    rasa_auth_token: str = ""  # turns on Rasa's HTTP API, with this token
    max_message_chars: int = 2000  # every channel cuts a message's text to this length
    rest_channel_token: str = ""  # when set, the REST webhook needs `Authorization: Bearer <token>`
    rest_reply_deadline_seconds: float = 10.0  # the REST reply returns after this with what was said so far
    # nginx in front of the replicas (ops/proxy.py, deploy/nginx/): the public address and its limits.
    public_host: str = "0.0.0.0"  # where nginx listens; replicas and the action server listen on 127.0.0.1 only
    nginx_binary: str = "/usr/sbin/nginx"
    proxy_body_limit: str = "1m"  # largest request body (nginx size syntax); channels cut messages to MAX_MESSAGE_CHARS
    proxy_client_timeout: float = 10.0  # seconds a client may take to send headers or body, or to read a reply
    proxy_read_timeout: float = 60.0  # seconds a replica may take to answer (a socket.io long-poll holds 25 s)
    proxy_longpolls_per_address: int = 32  # concurrent socket.io requests from one client address (429 beyond)
    # Supervision (ops/supervisor.py): a server that dies is restarted after a back-off that doubles up to this.
    restart_backoff_max: float = 30.0
    # 999 whatever fails (channels/edge.py): a turn with no reply after LAST_RESORT_SECONDS gets the channel's own
    # reply (the 999 guidance if the message is danger). A custom action call gives up after ACTION_TIMEOUT_SECONDS;
    # a conversation's lock is a lease its turn renews (plugins/lock_store.py), so two turns never overlap.
    last_resort_seconds: float = 3.0
    action_timeout_seconds: float = 10.0
    max_number_of_predictions: int = 10  # Rasa's limit of actions in one turn
    # Floods (token buckets, channels/edge.py): per client address on the web (REST, socket.io, callback), per sender
    # on phones. A burst of *_BURST messages, then *_PER_MINUTE; over it, 429 (phones: the message is dropped). A
    # message the danger check escalates always gets the 999 guidance.
    web_rate_burst: int = 60
    web_rate_per_minute: float = 120.0
    phone_rate_burst: int = 20
    phone_rate_per_minute: float = 30.0
    # Stored conversations: the embedded tracker store and how long conversations are kept.
    sqlite_tracker_db: Path = ROOT / ".data" / "tracker.db"
    retention_days: float = 90.0
    tracker_db_url: str = ""  # the review tool reads this database instead of the endpoints file's tracker store
    # Conversation keys: HMAC-SHA256 key of sender ids, web-chat sessions and review references (channels/identity.py).
    # "" means the key `make run` and `make review` generate into SENDER_KEY_FILE; production must set it (ops/stack.py).
    sender_key_secret: str = ""
    sender_key_file: Path = ROOT / ".data" / "sender_key"
    rest_channel_token: str = ""  # REST webhook bearer token; required by the production configuration
    # The trainers' review tool.
    review_db: Path = ROOT / ".data" / "review.db"
    review_db_url: str = ""  # "" means SQLite at REVIEW_DB
    review_insecure_cookies: bool = False  # sign-in cookies without `Secure`, for plain http on localhost only
    # Output: the log level of Rasa and the action server (INFO or DEBUG for theirs); VERBOSE=1 shows dependencies'
    # deprecation warnings.
    log_level: str = "WARNING"
    verbose: bool = False
    tf_cpp_min_log_level: str = "2"
    rasa_telemetry_enabled: str = "false"
    # The production services (endpoints.production.yml), local defaults.
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_db: str = "youarenotalone"
    postgres_user: str = "postgres"
    postgres_password: str = ""
    # Database connections per Rasa process (Rasa's own variables; it defaulted to 50 + 100 overflow): with these,
    # replicas x SQL_POOL_SIZE must stay under PostgreSQL's max_connections (README, "Scaling").
    sql_pool_size: int = 8
    sql_max_overflow: int = 0
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_password: str = ""
    redis_db: int = 0
    redis_key_prefix: str = "youarenotalone"
    rabbitmq_host: str = "127.0.0.1"
    rabbitmq_port: int = 5672
    rabbitmq_user: str = "guest"
    rabbitmq_password: str = "guest"
    rabbitmq_queue: str = "youarenotalone_events"
    rabbitmq_exchange: str = "youarenotalone_exchange"
    rabbitmq_message_ttl_seconds: int = 86400  # a queued event (with its text) is dropped after this long
    rabbitmq_max_length: int = 100000  # and the oldest are dropped beyond this many queued events
    rabbitmq_buffer_events: int = 10000  # events kept in each replica while RabbitMQ does not confirm them

    def __post_init__(self) -> None:
        if self.retention_days < 0:
            raise ValueError(f"RETENTION_DAYS must not be negative, not {self.retention_days:g}")
        if self.sender_key_secret and len(self.sender_key_secret) < 32:
            raise ValueError("SENDER_KEY_SECRET must have at least 32 characters (e.g. `openssl rand -hex 32`)")
        if urlsplit(self.quick_exit_url).scheme not in ("http", "https") or not urlsplit(self.quick_exit_url).netloc:
            raise ValueError(f"QUICK_EXIT_URL must be an http(s) address, not {self.quick_exit_url!r}")

    @classmethod
    def load(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        """The settings from `env` (default: the process environment), defaults for what it does not set."""
        env = os.environ if env is None else env
        given = {f.name: _parse(f, env[f.name.upper()]) for f in dataclasses.fields(cls) if f.name.upper() in env}
        return cls(**given)

    def environment(self) -> Dict[str, str]:
        """The settings as environment variables (what a child process needs)."""
        values = {f.name.upper(): _format(getattr(self, f.name)) for f in dataclasses.fields(self)}
        values["ACTION_ENDPOINT_URL"] = self.action_endpoint_url or f"http://127.0.0.1:{self.action_server_port}/webhook"
        if not self.verbose:
            values["PYTHONWARNINGS"] = ",".join(f"ignore::{name}" for name in QUIET_WARNINGS)
        return values

    def apply_warning_filters(self) -> None:
        """Silences dependencies' warnings in this process unless VERBOSE=1, as PYTHONWARNINGS does in the others."""
        if not self.verbose:
            with warnings.catch_warnings():  # also undoes the filter sanic.app adds: every DeprecationWarning once
                for module in WARN_ON_IMPORT:
                    warnings.simplefilter("ignore")  # in front of any filter the previous import added
                    importlib.import_module(module)
            for name in QUIET_WARNINGS:
                warnings.filterwarnings("ignore", category=getattr(builtins, name))


def sender_secret(settings: Settings, create: bool = False) -> bytes:
    """The key of conversation keys: SENDER_KEY_SECRET, else the one kept in SENDER_KEY_FILE, generated there (readable
    by its owner only) when `create` is set (`make run`, `make review`). Raises RuntimeError when there is none."""
    if settings.sender_key_secret:
        return settings.sender_key_secret.encode()
    path = settings.sender_key_file
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    if not path.is_file():
        raise RuntimeError(f"No SENDER_KEY_SECRET: set it, or let `make run` generate {path}.")
    return path.read_text().strip().encode()


def _parse(field: dataclasses.Field, text: str) -> Any:
    """An environment variable's text as the field's type."""
    kind = type(field.default)
    if kind is bool:
        return text.strip().lower() in TRUE
    return kind(text)


def _format(value: Any) -> str:
    """A setting as environment-variable text."""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def environment(**overrides: str) -> Dict[str, str]:
    """The process environment with every setting filled in (defaults under it, `overrides` over it)."""
    env = {**os.environ, **overrides}
    return {**Settings.load(env).environment(), **env}


def fill_environment() -> Settings:
    """Puts the defaults of unset settings into this process's environment (for Rasa's endpoints files), and applies
    the warning filters."""
    os.environ.update(environment())
    settings = Settings.load()
    settings.apply_warning_filters()
    return settings
