"""Running a request's CPU work in a worker thread within its time budget, and stopping it when
its client goes away.

A thread cannot be stopped from outside, so the work is handed a `Budget` and stops itself at its
next step (see cppcc_qa/budget.py). Meanwhile the event loop waits for the work, watching the
clock and the connection: when the budget runs out it answers 503 at once (TimeBudgetError) and
throws the budget's switch; when the client has gone (an `http.disconnect` arrives) it throws the
switch too, so an abandoned request stops using a core (issue 10: abandoned long questions kept a
core busy for minutes).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from cppcc_qa.budget import Budget
from cppcc_qa.errors import RequestCancelledError, TimeBudgetError

__all__ = ["run_bounded", "DISCONNECT_POLL_S"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How often a waiting request looks whether its client is still there: a look is one
# non-blocking receive, and a normal answer (24-60 ms) is returned the moment it is ready,
# so this only sets how soon abandoned work is told to stop.
DISCONNECT_POLL_S = 0.05


def _collect(task: asyncio.Future[Any]) -> None:
    """Read the outcome of work nobody waits for any more, so asyncio does not warn about it."""
    if not task.cancelled() and task.exception() is not None:
        logger.info("abandoned request stopped: %s", task.exception())


async def _enter(lane: asyncio.Semaphore, budget: Budget, seconds: float | None) -> None:
    """Wait (in the event loop, holding no thread) for a place in `lane`, within the budget."""
    try:
        await asyncio.wait_for(lane.acquire(), timeout=budget.remaining())
    except TimeoutError:
        raise TimeBudgetError(f"the answer waited longer than its time budget of {seconds:g} s behind other "
                              "long questions") from None


async def run_bounded(request: Request, work: Callable[[Budget], T], seconds: float | None,
                      lane: asyncio.Semaphore | None = None) -> T:
    """`work(budget)` in a worker thread; its result, or TimeBudgetError once `seconds` have
    passed, or RequestCancelledError once the client has disconnected (no one reads that answer).
    With a `lane`, the work first waits for a place in it (long questions take turns there, so
    however many are sent at once they hold at most that many cores)."""
    budget = Budget(seconds)
    if lane is not None:
        await _enter(lane, budget, seconds)
    try:
        return await _run(request, work, budget, seconds)
    finally:
        if lane is not None:
            lane.release()


async def _run(request: Request, work: Callable[[Budget], T], budget: Budget, seconds: float | None) -> T:
    task: asyncio.Future[T] = asyncio.ensure_future(run_in_threadpool(work, budget))
    try:
        while True:
            timeout = DISCONNECT_POLL_S if seconds is None else min(DISCONNECT_POLL_S, budget.remaining() or 0.0)
            done, _ = await asyncio.wait({task}, timeout=timeout)
            if done:
                return task.result()
            if await request.is_disconnected():
                raise RequestCancelledError("the client closed the connection before the answer was ready")
            if budget.expired:
                raise TimeBudgetError(f"the answer took longer than its time budget of {seconds:g} s")
    finally:
        if not task.done():
            budget.cancel()
            task.add_done_callback(_collect)
