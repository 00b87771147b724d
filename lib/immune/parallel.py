"""Calls run in parallel, waited for only until a time limit.

:func:`answers_within` runs a call for every item in a thread of its own
and collects the answers that arrive in time. It serves whatever may block
beyond the check's control: ``statvfs(2)`` on a dead NFS server or a stuck
FUSE daemon, a C resolver lookup that cannot be interrupted, a query on
each database shard. A thread that never answers is abandoned (the process
still exits: its waits are killable). Threads come from ``_thread``, which
costs nothing to import.
"""

from __future__ import annotations

import _thread
import time
from collections.abc import Callable, Iterable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: What :func:`answers_within` gives for a call that did not return in time.
HUNG = None


def answers_within(function: Callable[[Any], Any], items: Iterable[Any], seconds: float,
                   errors: tuple[type[BaseException], ...] = (OSError,)) -> dict[Any, Any]:
    """``function(item)`` for every item in parallel, waiting at most *seconds* in total.

    Each item maps to what the call returned, the exception of one of the
    *errors* types it raised, or :data:`HUNG` when it had not returned by
    then (its thread is left blocked; the process can still exit).
    """
    answers: dict[Any, Any] = {}
    waits = []
    for item in dict.fromkeys(items):
        answers[item] = HUNG
        lock = _thread.allocate_lock()
        lock.acquire()
        _thread.start_new_thread(_call, (function, item, answers, lock, errors))
        waits.append(lock)
    end = time.monotonic() + seconds
    for lock in waits:
        lock.acquire(timeout=max(end - time.monotonic(), 0))
    return dict(answers)


def _call(function: Callable[[Any], Any], item: Any, answers: dict, lock: Any,
          errors: tuple[type[BaseException], ...]) -> None:
    try:
        answers[item] = function(item)
    except errors as err:
        answers[item] = err
    finally:
        lock.release()
