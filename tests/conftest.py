import os
import sys

import pytest

# Tests never touch the network and never look for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _no_worker_pool_left_behind():
    """A test that fails before closing its WorkerPool leaves worker processes and threads
    that would keep pytest from exiting (`-x` hung for minutes); kill them after every test."""
    yield
    worker = sys.modules.get("bot.jobs.pool")
    if worker is not None:
        for pool in list(worker.LIVE_POOLS):
            pool.kill_now()
