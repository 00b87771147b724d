"""Performance data values formatted to the plugin contract.

``'label'=value[UOM];[warn];[crit];[min];[max]``: labels quoted when needed
(a ``'`` doubled, ``=`` refused), values without float noise or exponent,
``U`` when a value cannot be determined, empty trailing fields dropped.
"""

from __future__ import annotations

import re
from collections import namedtuple

from immune.numbers import format_number
from immune.output import sanitize
from immune.ranges import NEVER

UNITS = frozenset({"", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"})
_PLAIN_LABEL = re.compile(r"^[A-Za-z0-9_./-]+$")


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
        if not _PLAIN_LABEL.match(label):
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
