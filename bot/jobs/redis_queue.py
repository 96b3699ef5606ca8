"""What the bot and the workers share: queue settings, the taskiq broker, the job registry.

taskiq carries the jobs (a Redis Stream read by a consumer group, messages acknowledged only
after their result is saved; results in the Redis result backend). Beside it, a small registry
in Redis says where every job stands:

    tunesmith:seq                counter giving each submission its place in line
    tunesmith:waiting            sorted set of task ids not yet started (queue positions)
    tunesmith:task:<task id>     hash: key, attempt, state, worker, stage, fraction
    tunesmith:key:<job key>      hash: current task id, attempt, done (the run that finished)
    tunesmith:answer:<task id>   JSON answer of the run that finished the job
    tunesmith:files:<task id>    hash: file name → bytes of a finished piece
    tunesmith:worker:<name>      heartbeat with a time to live; gone = that worker is dead

A job may run more than once (its worker was taken for dead; its message was taken over) but
`finish` claims `done`, stores the answer and the files in one atomic step, so exactly one run
finishes each job and a run killed at any instant leaves either nothing or everything.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generation import Env, Job
from models.core.errors import ConfigError

log = logging.getLogger(__name__)

TASK_NAME = "tunesmith.compose"
PREFIX = "tunesmith"
WAITING = f"{PREFIX}:waiting"
SEQUENCE = f"{PREFIX}:seq"
RESULT_PREFIX = f"{PREFIX}:result"
FILE_FIELDS = ("midi", "mp3", "png", "json")


def task_key(task_id: str) -> str:
    return f"{PREFIX}:task:{task_id}"


def job_key(key: str) -> str:
    return f"{PREFIX}:key:{key}"


def answer_key(task_id: str) -> str:
    return f"{PREFIX}:answer:{task_id}"


def files_key(task_id: str) -> str:
    return f"{PREFIX}:files:{task_id}"


def worker_key(name: str) -> str:
    return f"{PREFIX}:worker:{name}"


@dataclass(frozen=True)
class QueueSettings:
    """How the bot and the workers use Redis. Every field has an environment variable."""

    redis_url: str = field(repr=False)  # REDIS_URL (may hold a password: not in repr)
    stream: str = "tunesmith:jobs"  # TUNESMITH_STREAM: the Redis stream taskiq uses
    # A message a worker took but never acknowledged is taken over by another worker after
    # this long; it must exceed the longest job (TUNESMITH_CLAIM_IDLE, seconds).
    claim_idle_s: float = 660.0
    heartbeat_s: float = 1.0  # TUNESMITH_HEARTBEAT: how often a worker says it is alive
    dead_after_s: float = 5.0  # TUNESMITH_DEAD_AFTER: silent this long = dead, job retried
    attempts: int = 3  # TUNESMITH_ATTEMPTS: runs of one job before the user is told it failed
    result_ttl_s: int = 3600  # TUNESMITH_RESULT_TTL: how long results and files stay in Redis
    poll_s: float = 0.25  # TUNESMITH_POLL: how often the bot looks at the jobs it waits on

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> QueueSettings:
        env = Env(env)
        url = env.text("REDIS_URL")
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL is not set to a redis:// URL (see deploy/env.example)")
        settings = cls(
            redis_url=url, stream=env.text("TUNESMITH_STREAM", cls.stream),
            claim_idle_s=env.number("TUNESMITH_CLAIM_IDLE", cls.claim_idle_s),
            heartbeat_s=env.number("TUNESMITH_HEARTBEAT", cls.heartbeat_s),
            dead_after_s=env.number("TUNESMITH_DEAD_AFTER", cls.dead_after_s),
            attempts=env.whole("TUNESMITH_ATTEMPTS", cls.attempts),
            result_ttl_s=env.whole("TUNESMITH_RESULT_TTL", cls.result_ttl_s),
            poll_s=env.number("TUNESMITH_POLL", cls.poll_s))
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.heartbeat_s * 2 <= self.dead_after_s:
            raise ConfigError(f"TUNESMITH_DEAD_AFTER ({self.dead_after_s} s) must be at least "
                              f"twice TUNESMITH_HEARTBEAT ({self.heartbeat_s} s)")
        if not 1 <= self.attempts <= 10:
            raise ConfigError(f"TUNESMITH_ATTEMPTS={self.attempts} is outside 1–10")
        if self.result_ttl_s < 60:
            raise ConfigError(f"TUNESMITH_RESULT_TTL={self.result_ttl_s} s is below 60 s")
        if not 0.01 <= self.poll_s <= 10:
            raise ConfigError(f"TUNESMITH_POLL={self.poll_s} s is outside 0.01–10 s")


def redis_options() -> dict[str, Any]:
    """Options for every Redis client of the bot and the workers: a command is tried again
    while Redis is away or restarting (connection refused, LOADING its append-only file), for
    about 30 s, instead of failing the job it belongs to. Every write the queue makes is safe
    to repeat: hashes and sets are overwritten with the same values, `finish` is a no-op the
    second time, and a repeated XADD only makes a run that will find its job already done.
    A refused password is not tried again: waiting cannot fix it.
    """
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError

    return {"retry": _retry_class()(ExponentialBackoff(cap=1.0, base=0.05), retries=40),
            "retry_on_error": [BusyLoadingError, ConnectionError, TimeoutError]}


def _retry_class():
    """redis-py's Retry, less AuthenticationError and AuthorizationError (which redis-py
    files under ConnectionError): they are raised at once instead of retried for 30 s."""
    from redis.asyncio.retry import Retry
    from redis.exceptions import AuthenticationError, AuthorizationError

    class RetryUnlessRefused(Retry):
        async def call_with_retry(self, do, fail, *args, **kwargs):
            async def fail_unless_refused(error, *more):
                await fail(error, *more)
                if isinstance(error, AuthenticationError | AuthorizationError):
                    raise error

            return await super().call_with_retry(do, fail_unless_refused, *args, **kwargs)

    return RetryUnlessRefused


def connect(settings: QueueSettings):
    """A Redis client (redis.asyncio) with `redis_options`."""
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url, **redis_options())


def make_broker(settings: QueueSettings, *, consumer_name: str | None = None):
    """The taskiq broker (Redis Streams) with its Redis result backend, JSON both ways."""
    from taskiq.serializers import JSONSerializer
    from taskiq_redis import RedisAsyncResultBackend

    backend = RedisAsyncResultBackend(settings.redis_url, result_ex_time=settings.result_ttl_s,
                                      serializer=JSONSerializer(), prefix_str=RESULT_PREFIX,
                                      **redis_options())
    broker = _stream_broker_class()(
        settings.redis_url, queue_name=settings.stream, consumer_group_name="tunesmith-workers",
        consumer_name=consumer_name, consumer_id="0",  # a new group also reads older messages
        xread_block=500, xread_count=1,  # one message at a time: a busy worker takes no more
        idle_timeout=int(settings.claim_idle_s * 1000), **redis_options())
    broker.dead_after_ms = int(settings.dead_after_s * 1000)
    return broker.with_result_backend(backend)


def _stream_broker_class():
    from redis.asyncio import Redis
    from redis.exceptions import RedisError
    from taskiq.acks import AckableMessage
    from taskiq_redis import RedisStreamBroker

    class StreamBroker(RedisStreamBroker):
        """RedisStreamBroker that takes over the messages of dead workers before every read.

        A worker killed after reading a message but before marking its job running leaves the
        message pending under its name while the registry still says "waiting", so the bot
        cannot tell. Such messages are claimed as soon as their worker's heartbeat is gone
        (`dead_after_ms`); any other message left pending past `idle_timeout` is claimed too.
        taskiq-redis alone only claims after a read that returned new messages, so on an idle
        stream a message held by a killed worker would wait for ever.
        """

        dead_after_ms = 5000

        async def listen(self):
            async with Redis(connection_pool=self.connection_pool) as redis:
                while True:
                    try:
                        entries = await self._next(redis)
                    except RedisError as error:  # Redis away for longer than the retries
                        log.warning("reading the job stream failed (%s); trying again", error)
                        await asyncio.sleep(1.0)
                        continue
                    for message_id, fields in entries:
                        if fields and b"data" in fields:  # trimmed entries come back empty
                            yield AckableMessage(data=fields[b"data"], ack=self._ack_generator(
                                id=message_id, queue_name=self.queue_name))
                        else:  # nothing left to run: do not let it come back
                            await redis.xack(self.queue_name, self.consumer_group_name,
                                             message_id)

        async def _next(self, redis) -> list:
            """At most one message: a dead worker's, a long-abandoned one, or a new one."""
            entries = await self._claim_from_dead(redis)
            if not entries:
                _, entries, *_ = await redis.xautoclaim(
                    self.queue_name, self.consumer_group_name, self.consumer_name,
                    min_idle_time=self.idle_timeout, count=1)
            if not entries:
                fetched = await redis.xreadgroup(
                    self.consumer_group_name, self.consumer_name,
                    {self.queue_name: ">"}, block=self.block, count=1)
                entries = [entry for _, batch in fetched or () for entry in batch]
            return entries

        async def _claim_from_dead(self, redis) -> list:
            """One pending message of a consumer whose heartbeat key has expired, if any."""
            summary = await redis.xpending(self.queue_name, self.consumer_group_name)
            for consumer in summary.get("consumers") or ():
                name = consumer["name"]
                name = name.decode() if isinstance(name, bytes) else name
                if name == self.consumer_name or await redis.exists(worker_key(name)):
                    continue
                pending = await redis.xpending_range(
                    self.queue_name, self.consumer_group_name, min="-", max="+", count=1,
                    consumername=name, idle=self.dead_after_ms)
                if pending:
                    return await redis.xclaim(
                        self.queue_name, self.consumer_group_name, self.consumer_name,
                        min_idle_time=self.dead_after_ms,
                        message_ids=[pending[0]["message_id"]])
            return []

    return StreamBroker


def pack_job(job: Job) -> dict[str, Any]:
    """The job as a message carries it; an uploaded MIDI travels inside, because workers
    share no disk with the bot."""
    data: dict[str, Any] = {"job": job.to_json()}
    if job.midi_path:
        data["midi"] = base64.b64encode(Path(job.midi_path).read_bytes()).decode()
    return data


# KEYS: job hash, answer, files, task hash. ARGV: task id, answer JSON, ttl, name, bytes, ...
_FINISH = """
if redis.call('HSETNX', KEYS[1], 'done', ARGV[1]) == 0 then
  return redis.call('HGET', KEYS[1], 'done')
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
if #ARGV > 3 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 4))
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
redis.call('HSET', KEYS[4], 'state', 'done', 'stage', 'done', 'fraction', 1)
return ARGV[1]
"""


async def finish(redis, key: str, task_id: str, answer: str, files: dict[str, bytes],
                 ttl_s: int) -> str:
    """Atomically make `task_id` the run that finished job `key`; returns the run that did."""
    pairs = [item for name, content in files.items() for item in (name, content)]
    winner = await redis.eval(_FINISH, 4, job_key(key), answer_key(task_id), files_key(task_id),
                              task_key(task_id), task_id, answer, ttl_s, *pairs)
    return winner.decode() if isinstance(winner, bytes) else str(winner)
