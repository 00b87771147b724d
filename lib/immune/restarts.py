"""The record of service restarts made by Nagios event handlers, with a rate limit.

One state-store document per host (key ``restarts/HOST``) lists the restarts
of the last day (time, service, whether the command succeeded) and the ones
the rate limit refused. The event handler ``restart_apache`` writes it under
the store's lock; ``check_restarts`` counts it ("Apache Restarts by Nagios").
"""

from __future__ import annotations

import math
from collections import namedtuple

from immune import clock
from immune.state import StateStore

KEEP_SECONDS = 86400
KEEP_ENTRIES = 1000
LOCK_TIMEOUT = 10.0


class Restart(namedtuple("Restart", "at service ok refused", defaults=(False,))):
    """One restart (or refused restart) of a service on a host: *at* (epoch
    seconds), *service*, *ok* (the command succeeded), *refused* (by the rate
    limit). A namedtuple, not a dataclass: ``dataclasses`` imports ``inspect``
    (~10 ms per check run)."""

    __slots__ = ()


def _key(host: str) -> str:
    return f"restarts/{host}"


def _entries(document: dict) -> list[Restart]:
    """The well-formed restarts a stored document lists (the rest is skipped).

    A time that is not a finite number is not well-formed: an infinite one
    would count against the rate limit for ever.
    """
    items = document.get("entries")
    found = []
    for item in items if isinstance(items, list) else ():
        try:
            at = float(item["at"])
            if math.isfinite(at):
                found.append(Restart(at, str(item["service"]), bool(item["ok"]),
                                     bool(item.get("refused", False))))
        except (KeyError, TypeError, ValueError):
            continue
    return found


class RestartLog:
    """Restarts per host in a :class:`StateStore`."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def entries(self, host: str) -> list[Restart]:
        """Every recorded restart of *host* (the last day), oldest first."""
        return _entries(self.store.load(_key(host)) or {})

    def recent(self, host: str, window: float, now: float | None = None) -> list[Restart]:
        """Restarts (made or refused) of *host* in the last *window* seconds."""
        since = (clock.now() if now is None else now) - window
        return [r for r in self.entries(host) if r.at > since]

    def attempt(self, host: str, service: str, max_per_hour: int, restart) -> Restart:
        """Run ``restart()`` (returns success) unless *host* had *max_per_hour* restarts
        in the last hour; record what happened, under the lock, and return it."""
        with self.store.updating(_key(host), LOCK_TIMEOUT) as draft:
            now = clock.now()
            entries = [r for r in _entries(draft.data) if r.at > now - KEEP_SECONDS]
            made = [r for r in entries if not r.refused and r.at > now - 3600]
            if len(made) >= max_per_hour:
                record = Restart(now, service, False, refused=True)
            else:
                record = Restart(now, service, bool(restart()))
            entries = [*entries, record][-KEEP_ENTRIES:]
            draft.data = {"entries": [
                {"at": round(r.at, 3), "service": r.service, "ok": r.ok, "refused": r.refused}
                for r in entries]}
        return record
