"""`tunesmith bot` from the command line, against the fake Discord running in another thread."""

from __future__ import annotations

import asyncio
import logging
import threading

from bot import cli
from bot.run_bot import QUIET_LOGGERS
from tests.fake_discord import FakeDiscord


def test_a_refused_token_is_explained_without_echoing_it(monkeypatch, capsys, tmp_path):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeDiscord(bot_token="the.right.token")
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    fake.patch()
    try:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("DISCORD_TOKEN", "wrong.token.value")
        assert cli.main(["bot"]) == 2
        error = capsys.readouterr().err
        assert "Discord refused DISCORD_TOKEN" in error and "wrong.token" not in error
        assert fake.requests[0][:2] == ("GET", "/users/@me")
    finally:
        asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        for name in QUIET_LOGGERS:  # `tunesmith bot` raised them; leave other tests as they were
            logging.getLogger(name).setLevel(logging.NOTSET)


def test_a_missing_token_is_explained(monkeypatch, capsys):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cli.main(["bot"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
