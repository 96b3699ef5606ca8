import os
import sys

import pytest

# Tests never touch the network and never look for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_collection_modifyitems(items):
    """A test that asks for the shared Composer loads the model: it is marked `model` here
    (so no test can forget it), as is the golden test, which builds its own."""
    for item in items:
        if "composer" in getattr(item, "fixturenames", ()) or item.path.name == "test_golden.py":
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def composer():
    """The one Composer of a test run (the shipped model, critic and phrase VAE, loaded once).

    What it keeps between tests is read-only: the melody model's weights (its KV cache lives
    in each `MelodyWriter` run), the draft critic and its settings (read once from the
    environment here). A test that needs another critic or other settings builds its own
    Composer around `composer.model` instead of changing this one.
    """
    from generation.composer import Composer

    return Composer()


@pytest.fixture(autouse=True)
def _no_worker_pool_left_behind():
    """A test that fails before closing its WorkerPool leaves worker processes and threads
    that would keep pytest from exiting (`-x` hung for minutes); kill them after every test."""
    yield
    worker = sys.modules.get("bot.jobs.pool")
    if worker is not None:
        for pool in list(worker.LIVE_POOLS):
            pool.kill_now()


@pytest.fixture(autouse=True)
def _the_shared_composer_is_left_as_it_was(request):
    """No test may change the shared Composer (its settings, model or critic): the next test
    would compose with what this one left behind."""
    if "composer" not in request.fixturenames:
        yield
        return
    shared = request.getfixturevalue("composer")
    before = (shared.settings, shared._model, shared._critic)
    yield
    after = (shared.settings, shared._model, shared._critic)
    # the model and the critic load on first use: None → loaded is not a change
    assert all(b is None or b is a for b, a in zip(before[1:], after[1:], strict=True)) \
        and before[0] == after[0], "a test changed the shared Composer"
