"""Who may queue work now: a per-user cooldown and per-user, per-guild and global queue caps.

Pure bookkeeping with an injectable clock, so every refusal (a BusyError saying when to try
again) can be tested without Discord or a worker.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from models.errors import BusyError

DEFAULT_JOB_S = 15.0  # assumed duration of a job before any has been measured


@dataclass
class Ticket:
    """One admitted job, from admission until it is released."""

    number: int
    user_id: int
    guild_id: int | None
    admitted_at: float
    started_at: float | None = field(default=None)


class Admission:
    """Admits jobs, remembers them until they finish, and estimates waits.

    Args:
        cooldown_s: seconds a user waits between two admitted requests.
        per_user, per_guild, total: most unfinished (queued or running) jobs allowed.
        workers: jobs that run at once, used to estimate waits.
        clock: monotonic seconds; tests pass their own.
    """

    def __init__(self, *, cooldown_s: float, per_user: int, per_guild: int, total: int,
                 workers: int = 1, clock: Callable[[], float] = time.monotonic):
        self.cooldown_s = cooldown_s
        self.per_user = per_user
        self.per_guild = per_guild
        self.total = total
        self.workers = workers
        self.clock = clock
        self.tickets: dict[int, Ticket] = {}
        self.last_request: dict[int, float] = {}
        self.mean_job_s = DEFAULT_JOB_S
        self._numbers = itertools.count(1)

    def admit(self, user_id: int, guild_id: int | None, *, cooldown: bool = True,
              caps: bool = True) -> Ticket:
        """Admit one job or raise BusyError with `retry_after` in seconds.

        `cooldown=False` skips the cooldown (a job resumed after a restart); `caps=False` also
        skips the queue caps (that job was admitted before).
        """
        now = self.clock()
        if not caps:
            return self._issue(user_id, guild_id, now)
        if cooldown and user_id in self.last_request:
            wait = self.last_request[user_id] + self.cooldown_s - now
            if wait > 0:
                raise BusyError(f"slow down a little: you can ask again in {wait:.0f} s",
                                retry_after=wait)
        mine = [t for t in self.tickets.values() if t.user_id == user_id]
        if len(mine) >= self.per_user:
            raise BusyError(
                f"you already have {len(mine)} pieces on the way (the limit is {self.per_user}); "
                f"try again in about {self._wait_for(mine):.0f} s",
                retry_after=self._wait_for(mine))
        if guild_id is not None:
            guild = [t for t in self.tickets.values() if t.guild_id == guild_id]
            if len(guild) >= self.per_guild:
                raise BusyError(
                    f"this server already has {len(guild)} pieces on the way (the limit is "
                    f"{self.per_guild}); try again in about {self._wait_for(guild):.0f} s",
                    retry_after=self._wait_for(guild))
        if len(self.tickets) >= self.total:
            everyone = list(self.tickets.values())
            raise BusyError(
                f"the composer is busy with {len(everyone)} pieces; try again in about "
                f"{self._wait_for(everyone):.0f} s", retry_after=self._wait_for(everyone))
        if cooldown:
            self.last_request[user_id] = now
        return self._issue(user_id, guild_id, now)

    def _issue(self, user_id: int, guild_id: int | None, now: float) -> Ticket:
        ticket = Ticket(next(self._numbers), user_id, guild_id, now)
        self.tickets[ticket.number] = ticket
        return ticket

    def start(self, ticket: Ticket) -> None:
        ticket.started_at = self.clock()

    def release(self, ticket: Ticket, *, succeeded: bool = True) -> None:
        """Forget a finished job; a successful run updates the mean job time."""
        self.tickets.pop(ticket.number, None)
        if succeeded and ticket.started_at is not None:
            took = self.clock() - ticket.started_at
            self.mean_job_s = 0.8 * self.mean_job_s + 0.2 * took

    def position(self, ticket: Ticket) -> int:
        """1 for the next job to start; counts only jobs that have not started."""
        waiting = [t.number for t in self.tickets.values() if t.started_at is None]
        return sum(1 for number in waiting if number <= ticket.number)

    def _wait_for(self, tickets: list[Ticket]) -> float:
        """Seconds until the earliest of `tickets` is likely to finish."""
        if not tickets:
            return 1.0
        now = self.clock()
        waiting = sum(1 for t in self.tickets.values() if t.started_at is None)
        estimates = []
        for ticket in tickets:
            if ticket.started_at is not None:
                estimates.append(max(1.0, ticket.started_at + self.mean_job_s - now))
            else:
                ahead = min(self.position(ticket), waiting)
                estimates.append(self.mean_job_s * (1 + ahead / max(1, self.workers)))
        return max(1.0, min(estimates))
