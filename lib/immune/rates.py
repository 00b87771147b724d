"""Rates from two samples of a growing count, safe against resets and clock jumps.

A check that reports "per second since the last run" (log growth, network
traffic, counters) stores a :class:`Sample` in the state store and divides
the difference by the time between runs. :func:`rate` refuses to invent a
figure when it cannot be sound: the clock went backwards or stood still,
or the count went down (a counter reset or a rotated source). Then
:func:`no_rate_reason` says why, and :class:`BaselineContext` reports it.
"""

from __future__ import annotations

import math
from collections import namedtuple

from immune import clock
from immune.domain import Context, Ok, Result

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Sample(namedtuple("Sample", "value at")):
    """A count and the wall-clock time (epoch seconds) it was read at."""

    __slots__ = ()

    @classmethod
    def now(cls, value: float) -> Sample:
        """A sample of *value* taken now (:func:`immune.clock.now`)."""
        return cls(value, clock.now())

    def to_state(self) -> dict[str, float]:
        """The sample as a JSON-ready dict for :class:`immune.state.StateStore`."""
        return {"value": self.value, "at": self.at}

    @classmethod
    def from_state(cls, data: Any) -> Sample | None:
        """The sample in *data*, or ``None`` when it is missing or malformed."""
        try:
            value, at = data["value"], data["at"]
        except (TypeError, KeyError):
            return None
        numbers = (int, float)
        if isinstance(value, bool) or not isinstance(value, numbers) \
                or not isinstance(at, numbers) or isinstance(at, bool):
            return None
        try:  # NaN would stick forever (the state cannot be saved with it)
            finite = math.isfinite(value) and math.isfinite(at)
        except OverflowError:  # an int beyond float range
            finite = False
        return cls(value, at) if finite else None


class Rate(namedtuple("Rate", "delta seconds")):
    """Growth of *delta* over *seconds* (> 0); :attr:`per_second` divides them."""

    __slots__ = ()

    @property
    def per_second(self) -> float:
        return self.delta / self.seconds


def rate(previous: Sample | None, current: Sample) -> Rate | None:
    """The rate between two samples, or ``None`` when no sound rate exists.

    ``None`` when there is no previous sample, when the clock did not move
    forward between them (a clock jump backwards), or when the count went
    down (a reset). The caller then records *current* as a new baseline.
    """
    if previous is None:
        return None
    seconds = current.at - previous.at
    delta = current.value - previous.value
    if not seconds > 0 or not delta >= 0:  # (NaN compares False)
        return None
    return Rate(delta, seconds)


def no_rate_reason(previous: Sample | None, current: Sample, first_run: str = "first run",
                   clock_back: str = "clock went backwards",
                   reset: str = "counters reset") -> str:
    """Why :func:`rate` found no rate between *previous* and *current*.

    No previous sample is *first_run*, a clock that did not move forward is
    *clock_back*, anything else a count that went down (*reset*). Only the
    times are read, so a malformed previous count is judged by its time.
    """
    if previous is None:
        return first_run
    if not current.at - previous.at > 0:
        return clock_back
    return reset


class BaselineContext(Context):
    """No rate yet: OK, saying why (the metric's value), without performance data."""

    def evaluate(self, metric: Any, resource: Any) -> Result:
        return Result(Ok, str(metric.value), metric)
