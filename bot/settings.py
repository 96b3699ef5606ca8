"""Settings of the Discord bot, read once from the environment and validated, and the secrets
they hold.

Secrets come only from the environment: the token (`DISCORD_TOKEN`) and the passwords inside
`DATABASE_URL` and `REDIS_URL`. They are kept out of `repr`, and `Redact` replaces each of them
by a label in every log record (message and traceback) of the process that installs it, so
that no log line, traceback or printed setting can carry one.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from generation import Env
from models.core.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///tunesmith.db"


def _shard_count(env: Env) -> int | None:
    raw = env.text("TUNESMITH_SHARD_COUNT")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"TUNESMITH_SHARD_COUNT={raw!r} is not a positive whole number")
    return int(raw)


def _shard_ids(env: Env) -> tuple[int, ...]:
    raw = env.text("TUNESMITH_SHARD_IDS").replace(" ", "")
    if not raw:
        return ()
    if not all(part.isdigit() for part in raw.split(",")):
        raise ConfigError(f"TUNESMITH_SHARD_IDS={raw!r} is not a list of shard numbers (0,1,2)")
    return tuple(int(part) for part in raw.split(","))


@dataclass(frozen=True)
class BotSettings:
    """Everything the bot needs besides the generation settings.

    Every field can be set by the environment variable named in its comment.
    """

    token: str = field(default="", repr=False)  # DISCORD_TOKEN (required to run, never logged)
    # DATABASE_URL: sqlite+aiosqlite or postgresql+asyncpg (may hold a password; `database`
    # is the same URL with the password masked, for messages)
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    dev_guild: int | None = None  # TUNESMITH_DEV_GUILD: sync commands to this guild only (instant)
    sync_commands: bool = False  # TUNESMITH_SYNC_COMMANDS: push the slash commands at startup
    cooldown_s: float = 10.0  # TUNESMITH_COOLDOWN: seconds between two requests of one user
    queue_per_user: int = 2  # TUNESMITH_QUEUE_PER_USER: unfinished jobs one user may have
    queue_per_guild: int = 6  # TUNESMITH_QUEUE_PER_GUILD: unfinished jobs one server may have
    queue_total: int = 20  # TUNESMITH_QUEUE_TOTAL: unfinished jobs in all
    workers: int = 1  # TUNESMITH_WORKERS: generation processes (one Composer each)
    # TUNESMITH_JOB_TIMEOUT: a job running longer is killed; a 20-minute piece took 53 s on a
    # busy 2-core EPYC, and a machine 3-4x slower with two jobs at once needs the room
    job_timeout_s: float = 600.0
    progress_interval_s: float = 2.0  # TUNESMITH_PROGRESS_INTERVAL: at most one edit this often
    max_upload_bytes: int = 256 * 1024  # TUNESMITH_MAX_UPLOAD: largest MIDI /continue accepts
    # An interaction token lasts 15 minutes; past this age the result goes to the channel.
    interaction_ttl_s: float = 14.5 * 60
    # Scale-out (bot/jobs/redis_runner.py): jobs go to `tunesmith worker` processes through
    # this Redis.
    # REDIS_URL: empty = the embedded worker process beside the bot (may hold a password)
    redis_url: str = field(default="", repr=False)
    shard_count: int | None = None  # TUNESMITH_SHARD_COUNT: set = AutoShardedClient
    shard_ids: tuple[int, ...] = ()  # TUNESMITH_SHARD_IDS: "0,1" = the shards this process runs
    lease_s: float = 30.0  # TUNESMITH_LEASE: a stopped bot's jobs are adopted after this long
    # TUNESMITH_STOP_TIMEOUT: on SIGTERM/SIGINT, how long running jobs may go on finishing;
    # what is left is resumed at the next start (or by another bot process).
    stop_timeout_s: float = 20.0
    # When Discord cannot be reached, the waits between two attempts double from
    # TUNESMITH_RETRY_FIRST up to TUNESMITH_RETRY_MAX seconds (5, 10, 20, 40, 80 ... 600).
    retry_first_s: float = 5.0
    retry_max_s: float = 600.0
    # Voice (bot/voice/): the bot leaves a voice channel after being alone in it this long.
    voice_idle_s: float = 60.0  # TUNESMITH_VOICE_IDLE
    radios_per_host: int = 4  # TUNESMITH_RADIOS: radios this bot process plays at once
    # TUNESMITH_RADIO_ROLE: who may steer or stop a radio besides the one who started it:
    # empty = everyone; otherwise the name or id of a role (server managers always may)
    radio_role: str = ""
    radio_overlap_s: float = 2.0  # TUNESMITH_RADIO_CROSSFADE: seconds two pieces overlap

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, spec in
                          self.__dataclass_fields__.items() if spec.repr)
        return (f"BotSettings({shown}, database={mask_url(self.database_url)!r}, "
                f"redis={mask_url(self.redis_url)!r})")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotSettings:
        env = Env(env)
        guild = env.text("TUNESMITH_DEV_GUILD")
        if guild and not guild.isdigit():
            raise ConfigError(f"TUNESMITH_DEV_GUILD={guild!r} is not a server id (digits only)")
        settings = cls(
            token=env.text("DISCORD_TOKEN"),
            database_url=env.text("DATABASE_URL", DEFAULT_DATABASE_URL),
            dev_guild=int(guild) if guild else None,
            sync_commands=env.flag("TUNESMITH_SYNC_COMMANDS"),
            cooldown_s=env.number("TUNESMITH_COOLDOWN", 10.0),
            queue_per_user=env.whole("TUNESMITH_QUEUE_PER_USER", 2),
            queue_per_guild=env.whole("TUNESMITH_QUEUE_PER_GUILD", 6),
            queue_total=env.whole("TUNESMITH_QUEUE_TOTAL", 20),
            workers=env.whole("TUNESMITH_WORKERS", 1),
            job_timeout_s=env.number("TUNESMITH_JOB_TIMEOUT", 600.0),
            progress_interval_s=env.number("TUNESMITH_PROGRESS_INTERVAL", 2.0),
            max_upload_bytes=env.whole("TUNESMITH_MAX_UPLOAD", 256 * 1024),
            redis_url=env.text("REDIS_URL"),
            shard_count=_shard_count(env),
            shard_ids=_shard_ids(env),
            lease_s=env.number("TUNESMITH_LEASE", 30.0),
            stop_timeout_s=env.number("TUNESMITH_STOP_TIMEOUT", 20.0),
            retry_first_s=env.number("TUNESMITH_RETRY_FIRST", 5.0),
            retry_max_s=env.number("TUNESMITH_RETRY_MAX", 600.0),
            voice_idle_s=env.number("TUNESMITH_VOICE_IDLE", 60.0),
            radios_per_host=env.whole("TUNESMITH_RADIOS", 4),
            radio_role=env.text("TUNESMITH_RADIO_ROLE").strip(),
            radio_overlap_s=env.number("TUNESMITH_RADIO_CROSSFADE", 2.0),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0 <= self.stop_timeout_s <= 3600:
            raise ConfigError(f"stop timeout {self.stop_timeout_s} s is outside 0–3600 s")
        if not 0 <= self.cooldown_s <= 3600:
            raise ConfigError(f"cooldown {self.cooldown_s} s is outside 0–3600 s")
        for name in ("queue_per_user", "queue_per_guild", "queue_total", "workers"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} is {getattr(self, name)}; it must be at least 1")
        if self.workers > 16:
            raise ConfigError(f"{self.workers} workers is above the limit of 16")
        if not 5 <= self.job_timeout_s <= 3600:
            raise ConfigError(f"job timeout {self.job_timeout_s} s is outside 5–3600 s")
        if not 1024 <= self.max_upload_bytes <= 8 * 1024 * 1024:
            raise ConfigError(f"upload limit {self.max_upload_bytes} bytes is outside 1 KiB–8 MiB")
        if not 1 <= self.lease_s <= 600:
            raise ConfigError(f"TUNESMITH_LEASE={self.lease_s} s is outside 1–600 s")
        if not 0.05 <= self.retry_first_s <= self.retry_max_s <= 3600:
            raise ConfigError(f"TUNESMITH_RETRY_FIRST={self.retry_first_s} s and "
                              f"TUNESMITH_RETRY_MAX={self.retry_max_s} s must satisfy "
                              "0.05 <= first <= max <= 3600")
        if not 0.05 <= self.voice_idle_s <= 86_400:
            raise ConfigError(f"TUNESMITH_VOICE_IDLE={self.voice_idle_s} s is outside "
                              "0.05–86400 s")
        if not 0 <= self.radios_per_host <= 100:
            raise ConfigError(f"TUNESMITH_RADIOS={self.radios_per_host} is outside 0–100")
        if not 0 <= self.radio_overlap_s <= 10:
            raise ConfigError(f"TUNESMITH_RADIO_CROSSFADE={self.radio_overlap_s} s is outside "
                              "0–10 s")
        if self.shard_ids and self.shard_count is None:
            raise ConfigError("TUNESMITH_SHARD_IDS needs TUNESMITH_SHARD_COUNT (all shards)")
        if self.shard_count is not None and any(i >= self.shard_count for i in self.shard_ids):
            raise ConfigError(f"a shard id in {list(self.shard_ids)} is not below the shard "
                              f"count {self.shard_count}")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"REDIS_URL {mask_url(self.redis_url)!r} is not a redis:// URL")
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            scheme = self.database_url.split("://", 1)[0]
            raise ConfigError(
                f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite+aiosqlite:// or "
                "postgresql+asyncpg://"
            )

    def require_token(self) -> str:
        """The token, or a ConfigError saying how to provide it."""
        if not self.token:
            raise ConfigError(
                "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal "
                "in the environment (see deploy/env.example)"
            )
        return self.token


# --- secrets -------------------------------------------------------------------------------
# A secret shorter than this is not searched for in output: replacing every "ab" would garble
# the logs and hide nothing. deploy/env.example asks for long passwords.
MIN_SECRET = 4


def mask_url(url: str) -> str:
    """`url` with the password (if any) replaced by ***, fit for a message."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def url_password(url: str) -> str:
    """The password written in `url`, as written (percent-encoded); '' when there is none."""
    try:
        return urlsplit(url).password or ""
    except ValueError:  # a malformed URL: the settings' validation names it
        return ""


def secret_values(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every secret in the environment, each with the label that replaces it in output."""
    env = Env(env)
    found = {env.text("DISCORD_TOKEN"): "[token]"}
    for name, label in (("DATABASE_URL", "[database password]"),
                        ("REDIS_URL", "[redis password]")):
        password = url_password(env.text(name))
        found.setdefault(password, label)
        found.setdefault(unquote(password), label)
    return {value: label for value, label in found.items() if len(value) >= MIN_SECRET}


class Redact(logging.Filter):
    """Replaces every secret in a log record (its message, traceback and stack) by its label."""

    def __init__(self, secrets: Mapping[str, str] | str):
        super().__init__()
        if isinstance(secrets, str):  # a bare token
            secrets = {secrets: "[token]"} if secrets else {}
        # Longest first, so that a secret containing another is replaced whole.
        self.secrets = sorted(secrets.items(), key=lambda item: -len(item[0]))

    def scrub(self, text: str) -> str:
        for value, label in self.secrets:
            text = text.replace(value, label)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def redact_output(secrets: Mapping[str, str] | str) -> Redact:
    """Scrub `secrets` from every log handler of the root logger and from the tracebacks that
    Python prints itself (an exception nothing caught, in the main thread or another one)."""
    redact = Redact(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(known, Redact) and known.secrets == redact.secrets
                   for known in handler.filters):
            handler.addFilter(redact)

    def print_scrubbed(kind, value, tb) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redact.scrub(text))

    sys.excepthook = print_scrubbed
    threading.excepthook = lambda args: print_scrubbed(args.exc_type, args.exc_value,
                                                       args.exc_traceback)
    return redact
