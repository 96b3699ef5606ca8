"""Who may queue work now: a per-user cooldown and per-user, per-guild and global queue caps.

Pure bookkeeping with an injectable clock, so every refusal (a BusyError saying when to try
again) and every wait can be tested without Discord or a worker. A new request inside the
user's cooldown is refused; a control under a piece is admitted to start when the cooldown
ends (`Ticket.not_before`), and the next one a cooldown later, so it never bounces and the
cooldown still holds. Only the queue caps refuse those, and a waiting job counts toward them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from models.core.errors import BusyError

DEFAULT_JOB_S = 15.0  # assumed duration of a job before any has been measured

# "refuse": a request inside the cooldown is refused (/compose spam); "wait": it is admitted to
# start when the cooldown ends (a control under a piece, a job resumed after a restart).
Cooldown = Literal["refuse", "wait"]


@dataclass
class Ticket:
    """One admitted job, from admission until it is released."""

    number: int
    user_id: int
    guild_id: int | None
    admitted_at: float
    not_before: float  # clock time the user's cooldown lets it start
    place: int | None = field(default=None)  # its turn in the line for a worker, once in it
    started_at: float | None = field(default=None)


class Admission:
    """Admits jobs, remembers them until they finish, and estimates waits.

    Args:
        cooldown_s: seconds between the starts of two jobs of one user.
        per_user, per_guild, total: most unfinished (waiting, queued or running) jobs allowed.
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
        self.latest_start: dict[int, float] = {}  # user → when their latest job may start
        self.mean_job_s = DEFAULT_JOB_S
        self._numbers = itertools.count(1)
        self._places = itertools.count(1)

    def admit(self, user_id: int, guild_id: int | None, *, cooldown: Cooldown = "refuse",
              caps: bool = True) -> Ticket:
        """Admit one job or raise BusyError with `retry_after` in seconds.

        `cooldown` says what the user's cooldown does to this job (see `Cooldown`); `caps=False`
        skips the queue caps (a job admitted before a restart, resumed after it).
        """
        now = self.clock()
        ready = self.latest_start.get(user_id, now - self.cooldown_s) + self.cooldown_s
        if cooldown == "refuse" and ready > now:
            raise BusyError(f"slow down a little: you can ask again in {ready - now:.0f} s",
                            retry_after=ready - now)
        if caps:
            self._check_caps(user_id, guild_id)
        not_before = max(now, ready)
        self.latest_start[user_id] = not_before
        ticket = Ticket(next(self._numbers), user_id, guild_id, now, not_before)
        self.tickets[ticket.number] = ticket
        if not_before <= now:
            self.line_up(ticket)
        return ticket

    def _check_caps(self, user_id: int, guild_id: int | None) -> None:
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

    def wait_s(self, ticket: Ticket) -> float:
        """Seconds until the user's cooldown lets `ticket` start (0 when it may)."""
        return max(0.0, ticket.not_before - self.clock())

    def line_up(self, ticket: Ticket) -> None:
        """Put `ticket` in the line for a worker, behind everyone already in it."""
        if ticket.place is None:
            ticket.place = next(self._places)

    def start(self, ticket: Ticket) -> None:
        ticket.started_at = self.clock()

    def release(self, ticket: Ticket, *, succeeded: bool = True) -> None:
        """Forget a finished job; a successful run updates the mean job time."""
        self.tickets.pop(ticket.number, None)
        if succeeded and ticket.started_at is not None:
            took = self.clock() - ticket.started_at
            self.mean_job_s = 0.8 * self.mean_job_s + 0.2 * took

    def position(self, ticket: Ticket) -> int:
        """1 for the next job to start; counts only jobs in line that have not started (a job
        still waiting for its cooldown would join behind all of them)."""
        line = [t.place for t in self.tickets.values()
                if t.place is not None and t.started_at is None]
        if ticket.place is None:
            return len(line) + 1
        return sum(1 for place in line if place <= ticket.place)

    def _wait_for(self, tickets: list[Ticket]) -> float:
        """Seconds until the earliest of `tickets` is likely to finish."""
        if not tickets:
            return 1.0
        now = self.clock()
        estimates = []
        for ticket in tickets:
            if ticket.started_at is not None:
                estimates.append(max(1.0, ticket.started_at + self.mean_job_s - now))
            else:
                ahead = self.position(ticket)
                estimates.append(self.wait_s(ticket)
                                 + self.mean_job_s * (1 + ahead / max(1, self.workers)))
        return max(1.0, min(estimates))
