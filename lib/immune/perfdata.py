"""Performance data values formatted to the plugin contract.

``'label'=value[UOM];[warn];[crit];[min];[max]``: labels quoted when needed
(a ``'`` doubled, ``=`` refused), values without float noise or exponent,
``U`` when a value cannot be determined, empty trailing fields dropped.
"""

from __future__ import annotations

from collections import namedtuple

from immune.numbers import format_number
from immune.output import sanitize
from immune.ranges import NEVER

UNITS = frozenset({"", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"})
# Labels of these characters only need no quotes (a set, not a regex: no compile per run).
_PLAIN_LABEL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-")


class Perfdata(namedtuple("Perfdata", "label value uom warn crit min max",
                           defaults=("", NEVER, NEVER, None, None))):
    """One performance data item: label, value (None = ``U``), unit, ranges, min, max."""

    __slots__ = ()

    def __str__(self) -> str:
        label = sanitize(self.label, 60)
        if "=" in label or not label:
            raise ValueError(f"invalid perfdata label {self.label!r}")
        if self.uom not in UNITS:
            raise ValueError(f"invalid perfdata unit {self.uom!r}")
        if not _PLAIN_LABEL.issuperset(label):
            label = "'" + label.replace("'", "''") + "'"
        value = format_number(self.value)
        fields = [
            f"{label}={value}{self.uom if value != 'U' else ''}",
            str(self.warn),
            str(self.crit),
            "" if self.min is None else format_number(self.min),
            "" if self.max is None else format_number(self.max),
        ]
        while fields[-1] == "":
            fields.pop()
        return ";".join(fields)


def unique_labels(names: list[str], width: int = 19) -> list[str]:
    """Labels for *names* whose first *width* characters are unique.

    Graphing tools (RRD data sources) key on the first 19 characters, so
    ``/var/lib/docker/overlay2/3f.../merged`` and its siblings would collide.
    A name that collides keeps its tail instead (``.../3f1a2b/merged``),
    else a numbered prefix; names that do not collide are unchanged but for
    ``=`` (legal in a mount point, never in a label), written ``_``.
    """
    taken: set[str] = set()
    labels = []
    for index, name in enumerate(names):
        name = label = name.replace("=", "_")
        if label[:width] in taken:
            label = "..." + name[-(width - 3):]
        if label[:width] in taken:
            label = f"{index}:{name}"[:width]
        taken.add(label[:width])
        labels.append(label)
    return labels
