"""A request's time allowance and its cancel switch.

The HTTP API runs an answer in a worker thread, which Python cannot stop from outside. So the
work stops itself: the service calls `budget.check(step)` between its steps (before parsing
each part, before embedding, before retrieving, before composing), and a budget that has run
out, or was cancelled because the client went away, raises there. Every step between two checks
is bounded by the input caps in Settings, so the work stops within one bounded step.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cppcc_qa.errors import RequestCancelledError, TimeBudgetError

__all__ = ["Budget"]


class Budget:
    """`seconds` of wall clock from now (None: no limit), and a switch another thread may throw."""

    def __init__(self, seconds: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._deadline = None if seconds is None else clock() + seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check (the client has gone, or the answer is late)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def expired(self) -> bool:
        """Whether the time allowance is used up."""
        return self._deadline is not None and self._clock() >= self._deadline

    def remaining(self) -> float | None:
        """Seconds left (None without a limit; never below 0)."""
        return None if self._deadline is None else max(0.0, self._deadline - self._clock())

    def check(self, step: str) -> None:
        """Raise RequestCancelledError once cancelled, TimeBudgetError once past the deadline."""
        if self._cancelled.is_set():
            raise RequestCancelledError(f"stopped before {step}: the request was cancelled")
        if self.expired:
            raise TimeBudgetError(f"the answer took longer than its time budget of {self.seconds:g} s "
                                  f"(stopped before {step})")
