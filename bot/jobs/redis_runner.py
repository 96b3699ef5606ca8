"""Scale-out: the bot's Runner that sends jobs through Redis to `tunesmith worker` processes.

Each job is submitted as a taskiq message (bot/jobs/redis_queue.py) under a key made from the
bot's own job id, so a restarted bot finds its jobs where they stand. One loop looks at every
job the bot waits on each `poll_s`, in one Redis round trip: the place in line of a waiting job,
the progress of a running one, whether its worker is still alive (a dead worker's job is
submitted again, up to `attempts` runs), and whether a run finished it. The finished files come back
through Redis, so workers need no disk shared with the bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.jobs.redis_queue import (
    FILE_FIELDS,
    RESULT_PREFIX,
    SEQUENCE,
    TASK_NAME,
    WAITING,
    QueueSettings,
    answer_key,
    connect,
    files_key,
    job_key,
    make_broker,
    pack_job,
    task_key,
    worker_key,
)
from generation import Composition, Job
from models.core.errors import TunesmithError

__all__ = ["QueueRunner", "QueueSettings"]
log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


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
        self.broker = make_broker(self.settings)
        await self.broker.startup()
        self.redis = connect(self.settings)
        await self.redis.ping()
        self._watch = asyncio.create_task(self._watch_loop(), name="queue-watch")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for waiter in self.waiters.values():
            if not waiter.future.done():
                waiter.future.cancel()
        if self.broker is not None:
            await self.broker.shutdown()
        if self.redis is not None:
            await self.redis.aclose()

    async def run(self, job: Job, out_dir: Path, progress: Progress | None = None) -> Composition:
        """Submit `job` (or find it, after a restart) and wait for its Composition.

        The job's key is `out_dir`'s name, which the bot derives from its own job id, and a
        digest of the job, so that a fresh database reusing an id never meets an old result.
        """
        digest = hashlib.sha256(json.dumps(job.to_json(), sort_keys=True).encode()).hexdigest()
        key = f"{out_dir.name}-{digest[:12]}"
        if key in self.waiters:  # asked twice (a resumed job): both wait on the one answer
            return await asyncio.shield(self.waiters[key].future)
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
        """Put the job on the stream and in the registry in one transaction.

        Two steps (registry, then taskiq's own `kiq`) left a window: a bot killed between them
        left a registry entry "waiting" for a message that never existed, and the restarted
        bot waited on it for ever. The message is built as taskiq's kicker builds it.
        """
        from taskiq.message import TaskiqMessage

        waiter.attempt += 1
        waiter.task_id = f"{waiter.key}-{waiter.attempt}-{uuid.uuid4().hex[:8]}"
        message = self.broker.formatter.dumps(TaskiqMessage(
            task_id=waiter.task_id, task_name=TASK_NAME, labels={}, labels_types={},
            args=[pack_job(waiter.job), waiter.key, waiter.attempt, waiter.task_id], kwargs={}))
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
            pipe.xadd(self.settings.stream, {b"data": message.message})
            await pipe.execute()

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
        waiters = [w for w in self.waiters.values()
                   if not w.future.done() and w.task_id and not w.collecting]
        if not waiters:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for waiter in waiters:
                pipe.hget(job_key(waiter.key), "done")
                pipe.exists(f"{RESULT_PREFIX}:{waiter.task_id}")
                pipe.hgetall(task_key(waiter.task_id))
                pipe.zrank(WAITING, waiter.task_id)
            answers = await pipe.execute()
        workers: dict[str, list[Waiter]] = {}
        for index, waiter in enumerate(waiters):
            done, result, task, rank = answers[4 * index: 4 * index + 4]
            if done or result:  # finished (by this run or another), or the task crashed
                waiter.collecting = True
                self._spawn(self._collect(waiter, done.decode() if done else None))
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

    async def _collect(self, waiter: Waiter, done: str | None) -> None:
        """The waiter gets the finished job's Composition, or its error."""
        try:
            composition = await self._fetch(waiter, done)
        except Exception as error:  # a TunesmithError for the user; anything else is logged
            if not waiter.future.done():
                waiter.future.set_exception(error)
            return
        finally:
            waiter.collecting = False
        if composition is not None and not waiter.future.done():
            waiter.future.set_result(composition)

    async def _fetch(self, waiter: Waiter, done: str | None) -> Composition | None:
        if done is None:  # no run finished the job, yet this task has a result: it crashed
            result = await self.broker.result_backend.get_result(waiter.task_id)
            if result.is_err:
                raise RuntimeError(f"task {waiter.task_id} raised: {result.error}")
            await self._retry(waiter, f"task {waiter.task_id} ended without finishing the job")
            return None
        raw = await self.redis.get(answer_key(done))
        if raw is None:
            raise TunesmithError("the finished piece expired from the queue before it could "
                                 "be sent; please ask again")
        answer = json.loads(raw)
        if "error" in answer:
            raise TunesmithError(answer["error"])
        return await self._take_files(done, answer["composition"], waiter.out_dir)

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

