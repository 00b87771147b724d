"""Counts of events over a sliding time window, kept between runs.

A check that answers "how many in the last N seconds" while reading only
new data each run records ``(time, count)`` events and sums those still
inside the window. Events are kept to the second; when a busy source leaves
more than :data:`MAX_EVENTS` distinct seconds, older ones are merged into
coarser buckets (``seconds / 500`` wide, dated by their latest event, so a
merged bucket leaves the window at most that much late: alerts err on the
side of counting).
"""

from __future__ import annotations

import math

MAX_EVENTS = 1000


class EventWindow:
    """Event counts by time; :meth:`total` sums those of the last *seconds*."""

    def __init__(self, seconds: float, events: object = None) -> None:
        self.seconds = seconds
        self.events: dict[int, list] = {}
        for item in events if isinstance(events, list) else ():
            if isinstance(item, list) and len(item) == 2 and all(
                    isinstance(v, int | float) and not isinstance(v, bool)
                    and math.isfinite(v) for v in item) and item[1] > 0:
                self.add(item[0], int(item[1]))

    def add(self, at: float, count: int) -> None:
        """Record *count* events at epoch time *at*."""
        if count <= 0:
            return
        key = int(at)
        slot = self.events.setdefault(key, [at, 0])
        slot[0] = max(slot[0], at)
        slot[1] += count

    def total(self, now: float) -> int:
        """Events less than :attr:`seconds` old at *now* (future times count as now)."""
        return sum(count for at, count in self.events.values() if now - at < self.seconds)

    def to_state(self, now: float) -> list[list]:
        """The events still inside the window, oldest first, at most :data:`MAX_EVENTS`.

        Events dated after *now* (the clock went back) are kept dated *now*.
        """
        kept = [[min(at, now), count] for at, count in sorted(self.events.values())
                if now - at < self.seconds]
        if len(kept) > MAX_EVENTS:
            width = max(self.seconds / 500, 1)
            merged: dict[int, list] = {}
            for at, count in kept:
                slot = merged.setdefault(int(at // width), [at, 0])
                slot[0] = max(slot[0], at)
                slot[1] += count
            kept = sorted(merged.values())
        return kept
