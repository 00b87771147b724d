"""One run of a log check: new lines in, position and check data saved after.

:func:`log_run` locks the check's state, loads its saved document and log
position, hands the check a :class:`LogRun` to read blocks from, and saves
the new position with the check's data only when the block ends without an
error: a run killed half-way (timeout, ``kill -9``) leaves the old state,
so the next run reads the same lines again and none is lost.
:class:`LogSummary` says what every log check says about its run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from immune import clock
from immune.domain import CheckError, Summary
from immune.logtail import LogError, LogTail, Position
from immune.state import StateError, StateStore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from immune.deadline import Deadline
    from immune.domain import Resource, Results

#: Part of the -t budget kept back for judging, saving and printing.
RESERVE_FRACTION = 0.25
RESERVE_MAX = 1.0


class LogRun:
    """The check's saved data (:attr:`data`, a dict to update) and the log's new lines."""

    def __init__(self, tail: LogTail, data: dict, now: float, stop_at: float) -> None:
        self.tail = tail
        self.data = data
        self.now = now
        self.stop_at = stop_at

    @property
    def first_run(self) -> bool:
        """True when no usable position was saved (first run or corrupt state)."""
        return self.tail.first_run

    def blocks(self) -> Iterator[bytes]:
        """Blocks of complete new lines; stops early to stay within ``-t``."""
        try:
            yield from self.tail.blocks(self.stop_at)
        except OSError as err:
            raise CheckError(f"cannot read {self.tail.path}: {err.strerror}") from None


@contextlib.contextmanager
def log_run(path: str, key: str, state_dir: str | None, deadline: Deadline,
            start: str | Callable = "end") -> Iterator[LogRun]:
    """Read *path* for the check whose state is *key*; save when the block succeeds.

    *start* says where a first run starts (see :class:`immune.logtail.LogTail`).

    Problems with the log or the state directory raise a one-line
    :class:`immune.domain.CheckError` (UNKNOWN).
    """
    store = StateStore(state_dir)
    try:
        with deadline.stage("locking state"), \
                store.updating(key, deadline.remaining() / 2) as draft:
            position = Position.from_state(draft.data.pop("position", None))
            stop_at = time.monotonic() + deadline.usable(share=RESERVE_FRACTION,
                                                         most=RESERVE_MAX)
            run = LogRun(LogTail(path, position, start), draft.data, clock.now(), stop_at)
            with deadline.stage(f"reading {path}"):
                yield run
            if run.tail.position is not None:
                run.data["position"] = run.tail.position.to_state()
            draft.data = run.data
    except (LogError, StateError) as err:
        raise CheckError(str(err)) from None


class LogSummary(Summary):
    """What log checks share: the worst problem after the OK text, the tail's notes.

    *resource* keeps the run's :class:`immune.logtail.LogTail` as ``tail``
    (``None`` until it has read); a subclass writes :meth:`ok`.
    """

    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def backlog(self) -> str:
        """`` (1.5 MB left to read next run)`` when the run stopped early, else ``""``."""
        from immune.units import format_size

        tail = self.resource.tail
        if tail is None or not tail.backlog:
            return ""
        return f" ({format_size(tail.backlog)} left to read next run)"

    def problem(self, results: Results) -> str:
        worst = results.first_significant
        if worst.metric is None:  # the log or the state could not be used
            return str(worst)
        return f"{self.ok(results)} ({worst.hint})"

    def verbose(self, results: Results) -> list[str]:
        tail = self.resource.tail
        return list(tail.notes) if tail is not None else []
