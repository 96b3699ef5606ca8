"""Health checks for containers and service managers: `python -m bot.health bot|worker`.

`worker`: this machine's worker is beating (its heartbeat key is alive in Redis), which also
means its composer warmed up and its event loop is turning. `bot`: the database answers, and
Redis too when REDIS_URL is set. Exit code 0 when healthy, 1 with a reason on stderr when not.
A reason names what failed and the kind of error, never a URL: the URLs hold passwords.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from bot.jobs.redis_queue import worker_key


async def worker_beating(redis_url: str, host: str) -> bool:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url, socket_timeout=3)
    try:
        name = os.environ.get("TUNESMITH_WORKER_NAME", "")
        if name:
            return bool(await redis.exists(worker_key(name)))
        async for _ in redis.scan_iter(worker_key(f"{host}-*"), count=1000):
            return True
        return False
    finally:
        await redis.aclose()


def reason(error: BaseException) -> str:
    """The name of the error at the bottom of `error`'s chain (InvalidPasswordError, not the
    DBAPIError SQLAlchemy wraps it in); a name, never a message that might quote a URL."""
    while True:
        inner = getattr(error, "orig", None) or error.__cause__
        if inner is None or inner is error:
            return type(error).__name__
        error = inner


async def bot_dependencies(database_url: str, redis_url: str) -> list[str]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    problems = []
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure is the answer, not a crash
        problems.append(f"database: {reason(error)}")
    finally:
        await engine.dispose()
    if redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url, socket_timeout=3)
        try:
            await redis.ping()
        except Exception as error:
            problems.append(f"redis: {reason(error)}")
        finally:
            await redis.aclose()
    return problems


def main(argv: list[str]) -> int:
    if argv[1:] not in (["bot"], ["worker"]):
        print("usage: python -m bot.health bot|worker", file=sys.stderr)
        return 2
    if argv[1] == "worker":
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            print("REDIS_URL is not set", file=sys.stderr)
            return 1
        try:
            healthy = asyncio.run(asyncio.wait_for(
                worker_beating(redis_url, socket.gethostname()), 10))
        except Exception as error:  # Redis away or refusing: unhealthy, said in one line
            print(f"redis: {reason(error)}", file=sys.stderr)
            return 1
        if not healthy:
            print("no heartbeat from a worker on this host", file=sys.stderr)
        return 0 if healthy else 1
    from bot.settings import BotSettings

    settings = BotSettings.from_env()
    try:
        problems = asyncio.run(asyncio.wait_for(
            bot_dependencies(settings.database_url, settings.redis_url), 15))
    except TimeoutError:
        problems = ["database or redis: no answer within 15 s"]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
