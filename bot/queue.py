"""Scale-out: jobs go through taskiq's Redis Streams broker to `tunesmith worker` processes.

The bot submits each job as a taskiq message and waits for its result in the Redis result
backend; the worker sends the finished files back through Redis, so workers need no shared
disk with the bot. Beside taskiq, a small job registry in Redis says where every job stands:

    tunesmith:seq                counter giving each submission its place in line
    tunesmith:waiting            sorted set of task ids not yet started (queue positions)
    tunesmith:task:<task id>     hash: key, attempt, state, worker, stage, fraction
    tunesmith:key:<job key>      hash: current task id, attempt, done (the task that finished)
    tunesmith:worker:<id>        heartbeat with a time to live; gone = that worker is dead
    tunesmith:files:<task id>    hash: file name → bytes of a finished piece

A job may run twice (a worker that seemed dead was only slow; a message taken over after its
worker died) but only one run finishes it: the first to set `done` on its key. The bot waits
on a job by its key (the bot's own job id), so a restarted bot finds the job where it was.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generation.job import Composition, Job
from models.errors import TunesmithError

log = logging.getLogger(__name__)

TASK_NAME = "tunesmith.compose"
PREFIX = "tunesmith"
FILE_FIELDS = ("midi", "mp3", "png", "json")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class QueueSettings:
    """How the bot and the workers use Redis. Every field has an environment variable."""

    redis_url: str  # REDIS_URL
    stream: str = "tunesmith:jobs"  # TUNESMITH_STREAM: the Redis stream taskiq uses
    # A message a worker took but never acknowledged is taken over by another worker after
    # this long; it must exceed the longest job (TUNESMITH_CLAIM_IDLE, seconds).
    claim_idle_s: float = 360.0
    heartbeat_s: float = 1.0  # TUNESMITH_HEARTBEAT: how often a worker says it is alive
    dead_after_s: float = 5.0  # TUNESMITH_DEAD_AFTER: silent this long = dead, job retried
    attempts: int = 3  # TUNESMITH_ATTEMPTS: runs of one job before the user is told it failed
    result_ttl_s: int = 3600  # TUNESMITH_RESULT_TTL: how long results and files stay in Redis
    poll_s: float = 0.25  # TUNESMITH_POLL: how often the bot looks at the jobs it waits on

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> QueueSettings:
        env = dict(os.environ if env is None else env)
        url = env.get("REDIS_URL", "").strip()
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise TunesmithError(f"REDIS_URL={url!r} is not a redis:// URL (see "
                                 "deploy/env.example)")

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            try:
                return float(raw) if raw else default
            except ValueError:
                raise TunesmithError(f"{name}={raw!r} is not a number") from None

        settings = cls(
            redis_url=url, stream=env.get("TUNESMITH_STREAM", "") or cls.stream,
            claim_idle_s=number("TUNESMITH_CLAIM_IDLE", cls.claim_idle_s),
            heartbeat_s=number("TUNESMITH_HEARTBEAT", cls.heartbeat_s),
            dead_after_s=number("TUNESMITH_DEAD_AFTER", cls.dead_after_s),
            attempts=int(number("TUNESMITH_ATTEMPTS", cls.attempts)),
            result_ttl_s=int(number("TUNESMITH_RESULT_TTL", cls.result_ttl_s)),
            poll_s=number("TUNESMITH_POLL", cls.poll_s))
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.heartbeat_s * 2 <= self.dead_after_s:
            raise TunesmithError(f"TUNESMITH_DEAD_AFTER ({self.dead_after_s} s) must be at least "
                                 f"twice TUNESMITH_HEARTBEAT ({self.heartbeat_s} s)")
        if not 1 <= self.attempts <= 10:
            raise TunesmithError(f"TUNESMITH_ATTEMPTS={self.attempts} is outside 1–10")
        if self.result_ttl_s < 60:
            raise TunesmithError(f"TUNESMITH_RESULT_TTL={self.result_ttl_s} s is below 60 s")


def task_key(task_id: str) -> str:
    return f"{PREFIX}:task:{task_id}"


def job_key(key: str) -> str:
    return f"{PREFIX}:key:{key}"


def worker_key(worker_id: str) -> str:
    return f"{PREFIX}:worker:{worker_id}"


def files_key(task_id: str) -> str:
    return f"{PREFIX}:files:{task_id}"


WAITING = f"{PREFIX}:waiting"
SEQUENCE = f"{PREFIX}:seq"
RESULT_PREFIX = f"{PREFIX}:result"


def make_broker(settings: QueueSettings, *, consumer_name: str | None = None):
    """The taskiq broker (Redis Streams) with its Redis result backend, JSON both ways."""
    from taskiq.serializers import JSONSerializer
    from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

    backend = RedisAsyncResultBackend(settings.redis_url, result_ex_time=settings.result_ttl_s,
                                      serializer=JSONSerializer(), prefix_str=RESULT_PREFIX)
    broker = RedisStreamBroker(
        settings.redis_url, queue_name=settings.stream, consumer_group_name="tunesmith-workers",
        consumer_name=consumer_name, consumer_id="0",  # a new group also reads older messages
        xread_block=500, xread_count=1,  # one message at a time: a busy worker takes no more
        idle_timeout=int(settings.claim_idle_s * 1000), unacknowledged_batch_size=1,
        unacknowledged_lock_timeout=5.0)
    return broker.with_result_backend(backend)


def pack_job(job: Job) -> dict[str, Any]:
    """The job as the message carries it; an uploaded MIDI travels inside (workers share no
    disk with the bot)."""
    data = {"job": job.to_json()}
    if job.midi_path:
        data["midi"] = base64.b64encode(Path(job.midi_path).read_bytes()).decode()
    return data


@dataclass
class Waiter:
    """One job the bot waits on."""

    key: str
    job: Job
    out_dir: Path
    progress: Progress | None
    future: asyncio.Future
    task_id: str = ""
    attempt: int = 0
    last_text: str = ""
    collecting: bool = False
    since: float = field(default_factory=time.monotonic)


class QueueRunner:
    """The bot's Runner for the scale-out: jobs to Redis, results back. See the module doc."""

    concurrency = 100_000  # the queue lives in Redis; the bot does not hold jobs back itself

    def __init__(self, settings: QueueSettings):
        self.settings = settings
        self.broker = None
        self.redis = None
        self.waiters: dict[str, Waiter] = {}
        self.retries = 0  # jobs resubmitted because their worker died
        self._watch: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        from redis.asyncio import Redis

        self.broker = make_broker(self.settings)
        await self.broker.startup()
        self.redis = Redis.from_url(self.settings.redis_url)
        await self.redis.ping()
        self._watch = asyncio.create_task(self._watch_loop(), name="queue-watch")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        for waiter in self.waiters.values():
            if not waiter.future.done():
                waiter.future.cancel()
        if self.broker is not None:
            await self.broker.shutdown()
        if self.redis is not None:
            await self.redis.aclose()

    async def run(self, job: Job, out_dir: Path, progress: Progress | None = None) -> Composition:
        """Submit `job` (or find it, after a restart) and wait for its Composition.

        The job's key is `out_dir`'s name, which the bot derives from its own job id.
        """
        key = out_dir.name
        waiter = Waiter(key, job, out_dir, progress, asyncio.get_running_loop().create_future())
        current = await self.redis.hgetall(job_key(key))
        if current:  # submitted before a restart: wait on it where it stands
            waiter.task_id = current[b"task"].decode()
            waiter.attempt = int(current[b"attempt"])
            log.info("job %s found in the queue (task %s)", key, waiter.task_id)
        else:
            await self._submit(waiter)
        self.waiters[key] = waiter
        try:
            return await waiter.future
        finally:
            self.waiters.pop(key, None)

    async def _submit(self, waiter: Waiter) -> None:
        from taskiq.kicker import AsyncKicker

        waiter.attempt += 1
        waiter.task_id = f"{waiter.key}-{waiter.attempt}-{uuid.uuid4().hex[:8]}"
        waiter.since = time.monotonic()
        place = await self.redis.incr(SEQUENCE)
        ttl = self.settings.result_ttl_s
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(task_key(waiter.task_id), mapping={
                "key": waiter.key, "attempt": waiter.attempt, "state": "waiting"})
            pipe.expire(task_key(waiter.task_id), ttl)
            pipe.zadd(WAITING, {waiter.task_id: place})
            pipe.hset(job_key(waiter.key), mapping={"task": waiter.task_id,
                                                    "attempt": waiter.attempt})
            pipe.expire(job_key(waiter.key), ttl)
            await pipe.execute()
        await (AsyncKicker(TASK_NAME, self.broker, {}).with_task_id(waiter.task_id)
               .kiq(pack_job(waiter.job), waiter.key, waiter.attempt, waiter.task_id))

    async def _watch_loop(self) -> None:
        while True:
            try:
                await self._look()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watching the queue failed; trying again")
            await asyncio.sleep(self.settings.poll_s)

    async def _look(self) -> None:
        """One look at every job waited on: one Redis round trip for all of them."""
        waiters = [w for w in self.waiters.values() if not w.future.done() and w.task_id]
        if not waiters:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for waiter in waiters:
                pipe.exists(f"{RESULT_PREFIX}:{waiter.task_id}")
                pipe.hgetall(task_key(waiter.task_id))
                pipe.zrank(WAITING, waiter.task_id)
                pipe.hget(job_key(waiter.key), "done")
            answers = await pipe.execute()
        workers = {}
        for index, waiter in enumerate(waiters):
            ready, task, rank, done = answers[4 * index: 4 * index + 4]
            if done and done.decode() != waiter.task_id:  # another run of this job finished
                waiter.task_id = done.decode()
                ready = True
            if ready:
                if not waiter.collecting:
                    waiter.collecting = True
                    self._spawn(self._collect(waiter))
                continue
            state = task.get(b"state", b"").decode()
            if not task:  # the registry lost it (Redis restarted without data): submit again
                await self._retry(waiter, "its queue entry disappeared")
            elif state == "waiting" and rank is not None:
                self._report(waiter, f"queued, #{rank + 1} in line", 0.0)
            elif state == "running":
                worker = task.get(b"worker", b"").decode()
                workers.setdefault(worker, []).append(waiter)
                stage = task.get(b"stage", b"starting").decode()
                self._report(waiter, stage, float(task.get(b"fraction", b"0")))
        if workers:
            names = list(workers)
            async with self.redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.exists(worker_key(name))
                alive = await pipe.execute()
            for name, is_alive in zip(names, alive, strict=True):
                if not is_alive:
                    for waiter in workers[name]:
                        await self._retry(waiter, f"worker {name} stopped")

    def _report(self, waiter: Waiter, stage: str, fraction: float) -> None:
        text = f"{stage}:{fraction:.2f}"
        if waiter.progress is not None and text != waiter.last_text:
            waiter.last_text = text
            waiter.progress(stage, fraction)

    async def _retry(self, waiter: Waiter, why: str) -> None:
        if waiter.attempt >= self.settings.attempts:
            waiter.future.set_exception(TunesmithError(
                f"the composer stopped {waiter.attempt} times while making this piece, so it "
                "was dropped; please try again in a minute"))
            return
        log.warning("job %s: %s; submitting it again (attempt %d)", waiter.key, why,
                    waiter.attempt + 1)
        self.retries += 1
        await self._submit(waiter)

    async def _collect(self, waiter: Waiter) -> None:
        """Read a finished task's result and files; the waiter gets a Composition or an error."""
        if waiter.future.done():
            return
        try:
            composition = await self._fetch(waiter)
        except Exception as error:  # TunesmithError for the user; anything else is logged
            if not waiter.future.done():
                waiter.future.set_exception(error)
            return
        finally:
            waiter.collecting = False
        if composition is not None and not waiter.future.done():
            waiter.future.set_result(composition)

    async def _fetch(self, waiter: Waiter) -> Composition | None:
        task_id = waiter.task_id
        result = await self.broker.result_backend.get_result(task_id)
        if result.is_err:
            raise RuntimeError(f"task {task_id} raised: {result.error}")
        answer = result.return_value
        if "superseded" in answer:  # the waiter switches to the run that finished
            waiter.task_id = answer["superseded"]
            return None
        if "error" in answer:
            raise TunesmithError(answer["error"])
        return await self._take_files(task_id, answer["composition"], waiter.out_dir)

    async def _take_files(self, task_id: str, data: dict[str, Any],
                          out_dir: Path) -> Composition:
        stored = await self.redis.hgetall(files_key(task_id))
        names = {name: Path(data[name]).name for name in FILE_FIELDS}
        if stored:
            await asyncio.to_thread(_write_files, out_dir, stored)
        missing = [n for n in names.values() if not (out_dir / n).exists()]
        if missing:
            raise TunesmithError("the finished piece expired from the queue before it could "
                                 "be sent; please ask again")
        await self.redis.delete(files_key(task_id))  # written here; no need to keep them
        data = {**data, **{name: str(out_dir / file) for name, file in names.items()}}
        return Composition.from_json(data)


def _write_files(out_dir: Path, stored: dict[bytes, bytes]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in stored.items():
        path = out_dir / Path(name.decode()).name  # never a path from the queue
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)  # a restart never finds half a file

