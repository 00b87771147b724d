"""The time budget of one check run (``-t``), always armed.

A :class:`Deadline` knows how much of the budget is left, which stage of the
check is running, and hands the remaining time to sockets, HTTP requests,
SQL connections and subprocesses. A hard timer (SIGALRM) catches anything
that ignores its own timeout and raises :class:`CheckTimeout` naming the
stage; children started through :meth:`Deadline.run` are killed with their
whole process group.
"""

from __future__ import annotations

# _signal is the C module under ``signal``: the same functions and constants,
# without the enum classes ``signal`` builds at import (~1 ms per check run).
import _signal
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from immune.spawn import Completed


DEFAULT_TIMEOUT = 10.0


class CheckTimeout(Exception):
    """The check ran out of time; ``stage`` says what it was doing."""

    def __init__(self, seconds: float, stage: str) -> None:
        super().__init__(f"timeout after {seconds:g}s while {stage}")
        self.seconds = seconds
        self.stage = stage


class Deadline:
    """A time budget starting now, in seconds (fractions allowed)."""

    def __init__(self, seconds: float = DEFAULT_TIMEOUT) -> None:
        self.seconds = seconds
        self.stage_name = "starting"
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises :class:`CheckTimeout` when none are."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def usable(self, reserve: float = 0.0, *, share: float = 0.0,
               most: float | None = None) -> float:
        """Seconds left once a reserve is kept back (to report, to receive an error).

        The reserve is *reserve* seconds, or *share* of the whole budget when
        that is more, but at most *most* seconds. Never negative: 0 means only
        the reserve is left. Raises :class:`CheckTimeout` when nothing is.
        """
        kept = max(reserve, share * self.seconds)
        if most is not None:
            kept = min(kept, most)
        return max(self.remaining() - kept, 0.0)

    def expired(self) -> CheckTimeout:
        """The exception that reports this deadline as passed."""
        return CheckTimeout(self.seconds, self.stage_name)

    def stage(self, name: str) -> _Stage:
        """Name what the check is doing, for a timeout or error message.

        Use as ``with deadline.stage("reading /proc/net/dev"):``. When the
        block raises, the stage stays set, so the error is reported with the
        stage it happened in.
        """
        return _Stage(self, name)

    def arm(self) -> None:
        """Start the hard timer that interrupts the main thread at the deadline."""

        def _expire(signum: int, frame: object) -> None:
            raise self.expired()

        _signal.signal(_signal.SIGALRM, _expire)
        _signal.setitimer(_signal.ITIMER_REAL, max(self._end - time.monotonic(), 0.001))

    def disarm(self) -> None:
        """Stop the hard timer."""
        _signal.setitimer(_signal.ITIMER_REAL, 0)

    def run(self, argv: Sequence[str], input: bytes | None = None) -> Completed:
        """Run *argv* (never through a shell) within the remaining time.

        Output is captured as bytes (:class:`immune.spawn.Completed`). A
        program that cannot be started (missing, not executable) raises a
        one-line :class:`CheckError`. On timeout the child's whole process
        group is killed and :class:`CheckTimeout` raised.
        """
        from immune import spawn
        from immune.domain import CheckError

        try:
            return spawn.run(argv, self.remaining(), input)
        except spawn.NotStarted as err:
            raise CheckError(f"cannot run {argv[0]}: {err.strerror or err}") from None
        except spawn.Expired:
            raise self.expired() from None


class _Stage:
    """The context manager :meth:`Deadline.stage` returns."""

    __slots__ = ("deadline", "name", "outer")

    def __init__(self, deadline: Deadline, name: str) -> None:
        self.deadline = deadline
        self.name = name

    def __enter__(self) -> None:
        self.outer, self.deadline.stage_name = self.deadline.stage_name, self.name

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.deadline.stage_name = self.outer
