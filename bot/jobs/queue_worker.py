"""`tunesmith worker`: takes jobs from the Redis stream and composes them, one at a time.

The worker's event loop only talks to Redis (taskiq's receiver, the heartbeat, progress); the
music is made in one child process (a `WorkerPool` of one) that loads the model once and runs
under budgets: its address space is capped with RLIMIT_AS, and a job past the wall-clock limit
has the child killed and a fresh one started. taskiq's own timeouts cannot stop a synchronous
task, which is why the composition never runs in this process.

A message is acknowledged only after its result is saved, so a worker killed mid-job leaves
the message pending; the bot notices the missing heartbeat and submits the job again, and a
pending message taken over later finds its job finished or superseded and does nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError

from bot.jobs.pool import PoolClosed, WorkerPool
from bot.jobs.redis_queue import (
    FILE_FIELDS,
    TASK_NAME,
    WAITING,
    QueueSettings,
    connect,
    finish,
    job_key,
    make_broker,
    task_key,
    worker_key,
)
from generation import Env, Job
from models.core.errors import ConfigError, TunesmithError

log = logging.getLogger(__name__)

DEFAULT_COMPOSER = "generation:Composer"
BUDGETED_FACTORY = "bot.jobs.queue_worker:budgeted_composer"
PROGRESS_EVERY_S = 0.2


@dataclass(frozen=True)
class WorkerSettings:
    """What one worker process runs, and its budgets. Environment variables in comments."""

    composer: str = DEFAULT_COMPOSER  # TUNESMITH_COMPOSER: "module:Class" building a Composer
    job_timeout_s: float = 600.0  # TUNESMITH_JOB_TIMEOUT: wall clock of one job (a 20-min piece)
    job_memory_mb: int = 4096  # TUNESMITH_JOB_MEMORY: address space of the child; 0 = no cap
    name: str = ""  # TUNESMITH_WORKER_NAME: default host-pid
    # TUNESMITH_STOP_TIMEOUT: on SIGTERM/SIGINT, how long a running job may go on finishing;
    # past it the job is handed back to the bot, which submits it again at once.
    stop_timeout_s: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 **overrides: Any) -> WorkerSettings:
        env = Env(env)
        settings = cls(
            composer=env.text("TUNESMITH_COMPOSER", DEFAULT_COMPOSER),
            job_timeout_s=env.number("TUNESMITH_JOB_TIMEOUT", 600.0),
            job_memory_mb=env.whole("TUNESMITH_JOB_MEMORY", 4096),
            name=env.text("TUNESMITH_WORKER_NAME"),
            stop_timeout_s=env.number("TUNESMITH_STOP_TIMEOUT", 20.0))
        settings = cls(**{**settings.__dict__, **{k: v for k, v in overrides.items()
                                                  if v is not None}})
        if not 5 <= settings.job_timeout_s <= 3600:
            raise ConfigError(f"job timeout {settings.job_timeout_s} s is outside 5–3600 s")
        if not 0 <= settings.stop_timeout_s <= 3600:
            raise ConfigError(f"stop timeout {settings.stop_timeout_s} s is outside 0–3600 s")
        if settings.job_memory_mb and settings.job_memory_mb < 512:
            raise ConfigError(f"TUNESMITH_JOB_MEMORY={settings.job_memory_mb} MiB is below "
                              "512 MiB; a composer needs about 1.5 GiB (0 turns the cap off)")
        return settings


def budgeted_composer(settings):
    """Runs in the composing child: cap its address space, then build the real composer.

    The cap must leave room for torch's and MiniLM's mappings (about 1.5 GiB measured on CPU);
    CUDA maps far more address space than it uses, so GPU workers run with the cap off (0).
    """
    import resource

    from bot.jobs.pool import load_factory

    limit = int(os.environ.get("TUNESMITH_JOB_MEMORY", "0") or 0) * 2**20
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return load_factory(os.environ.get("TUNESMITH_COMPOSER") or DEFAULT_COMPOSER)(settings)


class Worker:
    """One worker: a composing child, a heartbeat, and the taskiq receiver."""

    def __init__(self, queue: QueueSettings, settings: WorkerSettings, generation=None):
        from generation import Settings

        self.queue = queue
        self.settings = settings
        self.generation = generation or Settings.from_env()
        self.name = settings.name or f"{socket.gethostname()}-{os.getpid()}"
        self.scratch = self.generation.out_dir / "worker" / self.name
        self.redis = None
        self.pool = None
        self.done = 0
        self._updates: set[asyncio.Task] = set()
        self._running: set[asyncio.Task] = set()  # compose() calls in flight

    async def serve(self, stop: asyncio.Event) -> None:
        """Warm the composer, then take jobs until `stop` is set."""
        from taskiq.acks import AcknowledgeType
        from taskiq.receiver import Receiver

        # The spawned child reads these when it builds its composer.
        os.environ["TUNESMITH_COMPOSER"] = self.settings.composer
        os.environ["TUNESMITH_JOB_MEMORY"] = str(self.settings.job_memory_mb)
        self.pool = WorkerPool(self.generation, workers=1, factory=BUDGETED_FACTORY,
                               job_timeout_s=self.settings.job_timeout_s)
        started = time.perf_counter()
        await self.pool.start()
        log.info("worker %s warm in %.1f s (%s)", self.name, time.perf_counter() - started,
                 self.settings.composer)
        self.redis = connect(self.queue)
        broker = make_broker(self.queue, consumer_name=self.name)
        broker.is_worker_process = True

        async def compose(payload: dict, key: str, attempt: int, task_id: str) -> dict:
            return await self.compose(payload, key, attempt, task_id)

        broker.register_task(compose, task_name=TASK_NAME)  # taskiq renames it: no method
        receiver = Receiver(broker, max_async_tasks=1, max_prefetch=0, validate_params=False,
                            ack_type=AcknowledgeType.WHEN_SAVED, propagate_exceptions=True,
                            wait_tasks_timeout=self.settings.stop_timeout_s)
        beating = asyncio.create_task(self._heartbeat())
        try:
            # On `stop` the receiver takes no new message and waits up to stop_timeout_s for
            # the running job, still beating, so the bot does not take it for dead meanwhile.
            await receiver.listen(stop)
        finally:
            await self.pool.close()  # a job still running is abandoned (see _run)
            if self._running:
                await asyncio.wait(self._running, timeout=10)
            beating.cancel()
            await asyncio.gather(beating, return_exceptions=True)
            await self.redis.delete(worker_key(self.name))
            await broker.shutdown()
            await self.redis.aclose()

    async def _heartbeat(self) -> None:
        ttl_ms = int(self.queue.dead_after_s * 1000)
        while True:
            try:
                await self.redis.set(worker_key(self.name), os.getpid(), px=ttl_ms)
            except RedisError as error:  # away for longer than the retries: keep trying
                log.warning("heartbeat failed (%s)", error)
            await asyncio.sleep(self.queue.heartbeat_s)

    async def compose(self, payload: dict[str, Any], key: str, attempt: int,
                      task_id: str) -> dict[str, Any]:
        """The taskiq task: one job → {"composition"}, {"error"}, {"superseded"} or
        {"abandoned"} (the worker was stopped first: the bot submits the job again)."""
        self._running.add(asyncio.current_task())
        try:
            return await self._compose(payload, key, attempt, task_id)
        finally:
            self._running.discard(asyncio.current_task())

    async def _compose(self, payload: dict[str, Any], key: str, attempt: int,
                       task_id: str) -> dict[str, Any]:
        current = await self.redis.hgetall(job_key(key))
        done = current.get(b"done", b"").decode()
        if done and done != task_id:
            return {"superseded": done}
        if current and int(current.get(b"attempt", 0)) > attempt:  # a stale, taken-over message
            await self.redis.hset(task_key(task_id), "state", "superseded")
            return {"superseded": current[b"task"].decode()}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(WAITING, task_id)
            pipe.hset(task_key(task_id), mapping={"state": "running", "worker": self.name,
                                                  "stage": "starting", "fraction": 0})
            await pipe.execute()
        out_dir = self.scratch / task_id
        try:
            answer = await self._run(payload, out_dir, task_id)
            if "abandoned" in answer:  # acknowledged unfinished: the bot submits it again
                await self.redis.hset(task_key(task_id), "state", "abandoned")
                return answer
            return await self._finish(key, task_id, answer, out_dir)
        finally:
            await asyncio.to_thread(shutil.rmtree, out_dir, True)

    async def _run(self, payload: dict[str, Any], out_dir: Path, task_id: str) -> dict:
        job = Job.from_json(payload["job"])
        if "midi" in payload:  # the upload travelled inside the message
            out_dir.mkdir(parents=True, exist_ok=True)
            upload = out_dir / "upload.mid"
            upload.write_bytes(base64.b64decode(payload["midi"]))
            job = Job.from_json({**job.to_json(), "midi_path": str(upload)})
        latest: dict[str, Any] = {}
        sent = 0.0

        def progress(stage: str, fraction: float) -> None:
            nonlocal sent
            latest.update(stage=stage, fraction=round(fraction, 3))
            if time.monotonic() - sent >= PROGRESS_EVERY_S:
                sent = time.monotonic()
                update = asyncio.create_task(self.redis.hset(task_key(task_id),
                                                             mapping=dict(latest)))
                self._updates.add(update)  # held until done, so it is never collected early
                update.add_done_callback(self._updates.discard)

        try:
            composition = await self.pool.run(job, out_dir / "piece", progress)
        except PoolClosed:
            log.warning("stopping with job %s unfinished; handing it back", task_id)
            return {"abandoned": f"worker {self.name} stopped"}
        except TunesmithError as error:  # the user's request, or the wall clock ran out
            return {"error": str(error)}
        except MemoryError:  # RLIMIT_AS refused an allocation inside the child
            return {"error": f"this piece needed more than the {self.settings.job_memory_mb} "
                             "MiB of memory a job may use, so it was stopped; try a shorter "
                             "or simpler piece"}
        return {"composition": composition.to_json()}

    async def _finish(self, key: str, task_id: str, answer: dict[str, Any],
                      out_dir: Path) -> dict[str, Any]:
        """Claim the job as done, with its answer and files, in one step
        (bot/jobs/redis_queue.py)."""
        contents: dict[str, bytes] = {}
        if "composition" in answer:
            paths = [Path(answer["composition"][name]) for name in FILE_FIELDS]
            contents = await asyncio.to_thread(lambda: {p.name: p.read_bytes() for p in paths})
            answer["composition"].update({name: path.name for name, path in
                                          zip(FILE_FIELDS, paths, strict=True)})
        winner = await finish(self.redis, key, task_id, json.dumps(answer), contents,
                              self.queue.result_ttl_s)
        if winner != task_id:  # another run of this job finished first
            await self.redis.hset(task_key(task_id), "state", "superseded")
            return {"superseded": winner}
        self.done += 1
        return answer


def run(*, composer: str | None = None, name: str | None = None) -> int:
    """`tunesmith worker`: serve until SIGTERM or SIGINT."""
    from bot.settings import redact_output, secret_values

    redact_output(secret_values())  # the Redis password, and any other secret it was given
    queue = QueueSettings.from_env()
    settings = WorkerSettings.from_env(composer=composer, name=name)
    worker = Worker(queue, settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await worker.serve(stop)

    from redis.exceptions import AuthenticationError

    try:
        asyncio.run(main())
    except AuthenticationError:
        raise ConfigError("Redis refused the password in REDIS_URL: set the one Redis has "
                          "(requirepass), as redis://:PASSWORD@host:6379/0") from None
    return 0
