"""Generation in worker processes beside the bot, so the event loop never waits on music.

Each worker process builds one Composer (named by an importable "module:attribute" string, so
tests can name their own) and warms it once. Progress reports travel back on one
multiprocessing queue, read by a thread that hands them to the event loop. A worker that dies
breaks the pool: the pool is rebuilt and the job retried once; a job that runs past the time
limit has its worker killed the same way.

This module imports neither discord nor the Composer at import time: worker processes are
spawned and import it fresh.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import importlib
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from generation import Composition, Job, Settings
from models.core.errors import TunesmithError

log = logging.getLogger(__name__)

DEFAULT_FACTORY = "generation:Composer"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
Progress = Callable[[str, float], None]

# Pools not closed yet: a test fixture kills what a failed test left, so that the processes
# and ProcessPoolExecutor's exit hook cannot keep the interpreter from exiting.
LIVE_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
READ_POLL_S = 0.25  # how often the progress reader looks whether it should stop

# State of one worker process, set by _init_worker.
_composer: Any = None
_progress_queue: Any = None
_warm_error: str | None = None


class PoolClosed(Exception):
    """The pool was closed (the process is stopping) before the job finished."""


def load_factory(path: str) -> Callable[..., Any]:
    """`"package.module:Name"` → the object it names."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def kill_me_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that started it exits
    (PR_SET_PDEATHSIG); it survives exec, so a `preexec_fn` may call it. No-op elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass


def die_with_parent(parent_pid: int) -> None:
    """Make this child process exit when `parent_pid` dies, however it dies (SIGKILL, OOM).

    Linux delivers SIGKILL through PR_SET_PDEATHSIG the moment the parent's thread that
    started us is gone; a watcher thread covers other systems (and the case where that thread
    was not the parent's main one) by checking every half second whether we were reparented.
    """
    kill_me_with_parent()

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(factory: str, settings: Settings, progress_queue: Any,
                 parent_pid: int) -> None:
    global _composer, _progress_queue, _warm_error
    die_with_parent(parent_pid)
    _progress_queue = progress_queue
    try:
        _composer = load_factory(factory)(settings)
        _composer.warm()
    except TunesmithError as error:  # e.g. missing weights: reported by start(), not a crash
        _warm_error = str(error)
    except Exception as error:  # e.g. a TUNESMITH_COMPOSER that does not import
        log.exception("the composer %s could not be built", factory)
        _warm_error = f"{factory}: {type(error).__name__}: {error}"


def _run_job(task_id: int, job_json: dict[str, Any], out_dir: str) -> dict[str, Any]:
    """Runs inside a worker: one job, with progress sent back tagged by `task_id`."""

    def progress(stage: str, fraction: float) -> None:
        _progress_queue.put((task_id, stage, float(fraction)))

    composition = _composer.run(Job.from_json(job_json), Path(out_dir), progress=progress)
    return composition.to_json()


def _ping() -> str | None:
    """None when this worker is ready, else why it is not."""
    return _warm_error


class WorkerPool:
    """Runs Jobs in `workers` processes, each with its own warmed Composer.

    Args:
        settings: generation settings handed to each Composer.
        workers: processes to start.
        factory: "module:attribute" of the Composer class (or any callable taking Settings).
        job_timeout_s: a job running longer has its worker killed and fails.
    """

    def __init__(self, settings: Settings | None = None, *, workers: int = 1,
                 factory: str = DEFAULT_FACTORY, job_timeout_s: float = 600.0):
        self.settings = settings or Settings.from_env()
        self.workers = workers
        self.factory = factory
        self.job_timeout_s = job_timeout_s
        self.restarts = 0
        self._context = multiprocessing.get_context("spawn")  # never fork a running event loop
        self._queue = self._new_progress_queue()
        self._stop_reading = threading.Event()
        self._listeners: dict[int, Progress] = {}
        self._task_ids = itertools.count(1)
        self._executor: ProcessPoolExecutor | None = None
        self._reader: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._restart_lock = asyncio.Lock()
        self.closed = False
        LIVE_POOLS.add(self)

    async def start(self) -> None:
        """Start the processes and wait until every Composer is warm."""
        self._loop = asyncio.get_running_loop()
        if self._reader is None:
            self._read(self._queue)
        await self._new_executor()

    def _read(self, progress) -> None:
        """A reader thread for the queue `progress`, reading from now on."""
        self._reader = threading.Thread(target=self._read_progress, args=(progress,),
                                        name="progress-reader", daemon=True)
        self._reader.start()

    def _new_progress_queue(self):
        """A queue the workers report progress on; the parent only reads it.

        A worker killed while it writes holds the queue's write lock for ever (it is a
        semaphore shared between the processes). Nothing of the parent may wait for that
        lock: it never puts (the reader stops on an event), and every new set of workers gets
        a queue of its own, whose lock no dead worker holds.
        """
        queue = self._context.Queue()
        queue.cancel_join_thread()  # at exit, never wait to flush into a pipe a dead worker locked
        return queue

    async def _new_executor(self) -> None:
        if self._executor is not None:  # workers killed mid-job may have left the lock held
            self._queue = self._new_progress_queue()
            self._read(self._queue)  # read before the new workers report; the old reader ends
        old, self._executor = self._executor, ProcessPoolExecutor(
            max_workers=self.workers, mp_context=self._context, initializer=_init_worker,
            initargs=(self.factory, self.settings, self._queue, os.getpid()))
        if old is not None:
            self._kill(old)
        loop = asyncio.get_running_loop()
        # One ping per worker makes every process start and warm before the first job.
        pings = [loop.run_in_executor(self._executor, _ping) for _ in range(self.workers)]
        problems = {problem for problem in await asyncio.gather(*pings) if problem}
        if problems:
            self._kill(self._executor)
            self._executor = None
            raise TunesmithError("the composer could not start: " + "; ".join(sorted(problems)))

    async def run(self, job: Job, out_dir: Path, progress: Progress | None = None) -> Composition:
        """Run one job; retried once on a fresh pool if a worker process dies under it."""
        for attempt in (1, 2):
            executor = self._executor
            try:
                return await self._run_once(job, out_dir, progress)
            except asyncio.CancelledError:  # close() cancelled a job that had not started
                if self.closed and not asyncio.current_task().cancelling():
                    raise PoolClosed("the worker pool was closed before the job ran") from None
                raise
            except BrokenProcessPool:
                if self.closed:
                    raise PoolClosed("the worker pool was closed during the job") from None
                log.error("a worker process died during job %s (attempt %d)", job.action, attempt)
                await self._restart(executor)
        raise TunesmithError("the composer crashed twice on this request, so it was dropped; "
                             "try a different wording or try again later")

    async def _run_once(self, job: Job, out_dir: Path, progress: Progress | None) -> Composition:
        if self.closed:
            raise PoolClosed("the worker pool is closed")
        if self._executor is None:
            raise RuntimeError("WorkerPool.start() was not awaited")
        task_id = next(self._task_ids)
        if progress is not None:
            self._listeners[task_id] = progress
        executor = self._executor
        future = asyncio.get_running_loop().run_in_executor(
            executor, _run_job, task_id, job.to_json(), str(out_dir))
        try:
            data = await asyncio.wait_for(future, self.job_timeout_s)
        except TimeoutError:
            log.error("job %s ran past %.0f s; killing its worker", job.action, self.job_timeout_s)
            await self._restart(executor)
            raise TunesmithError(
                f"this piece took longer than {self.job_timeout_s:.0f} s to make and was "
                "stopped; try a shorter length") from None
        finally:
            self._listeners.pop(task_id, None)
        return Composition.from_json(data)

    async def _restart(self, broken: ProcessPoolExecutor | None) -> None:
        async with self._restart_lock:
            # Another job may have restarted it already; a closed pool stays closed.
            if self._executor is broken and not self.closed:
                self.restarts += 1
                await self._new_executor()

    def _read_progress(self, progress) -> None:
        while not self._stop_reading.is_set() and progress is self._queue:
            try:  # until a restart replaces this queue
                message = progress.get(timeout=READ_POLL_S)
            except (queue.Empty, OSError, EOFError, ValueError):
                continue
            task_id, stage, fraction = message
            listener = self._listeners.get(task_id)
            if listener is not None and self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(listener, stage, fraction)

    @staticmethod
    def _kill(executor: ProcessPoolExecutor) -> None:
        # ProcessPoolExecutor has no public way to stop a running task; killing its processes
        # is the only way to free a worker stuck in a long job.
        for process in list(getattr(executor, "_processes", {}).values()):
            if process.is_alive():
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        return [p.pid for p in getattr(self._executor, "_processes", {}).values()]

    async def close(self) -> None:
        """Kill the processes (a job in flight raises PoolClosed) and stop the reader."""
        reader = self._reader
        self.kill_now()
        if reader is not None:
            await asyncio.to_thread(reader.join, 5)

    def kill_now(self) -> None:
        """`close` without waiting: for a pool its owner never closed (a failed test)."""
        self.closed = True
        LIVE_POOLS.discard(self)
        if self._executor is not None:
            self._kill(self._executor)
            self._executor = None
        if self._reader is not None:
            self._stop_reading.set()  # not a sentinel put: see _new_progress_queue
            self._reader = None
