"""Judging metrics against thresholds.

:class:`ThresholdContext` replaces ``nagiosplugin.ScalarContext``: it takes
:class:`immune.ranges.Range` thresholds (absent = never alert), judges an
undeterminable value (``None``) UNKNOWN, describes values without float
noise, and yields contract-clean :class:`immune.perfdata.Perfdata`.
"""

from __future__ import annotations

from immune.domain import Context, Critical, Metric, Ok, Result, Unknown, Warn
from immune.numbers import format_number
from immune.perfdata import Perfdata
from immune.ranges import NEVER, Range

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def value_text(metric: Metric) -> str:
    """The metric's value and unit as printed in summaries (``5.98``, ``52%``)."""
    unit = metric.uom or ""
    return format_number(metric.value, 2) + ("" if unit in ("", "c") else unit)


class ThresholdContext(Context):
    """Judge a numeric metric: CRITICAL outside *critical*, WARNING outside *warning*."""

    def __init__(self, name: str, warning: Range = NEVER, critical: Range = NEVER,
                 fmt_metric: Any = "{name} is {valueunit}") -> None:
        super().__init__(name, fmt_metric)
        self.warning = warning
        self.critical = critical

    def evaluate(self, metric: Metric, resource: Any) -> Result:
        if metric.value is None:
            return Result(Unknown, "value undeterminable", metric)
        for state, limit in ((Critical, self.critical), (Warn, self.warning)):
            if not limit.match(metric.value):
                return Result(state, self.hint(limit, metric.value), metric)
        return Result(Ok, None, metric)

    def hint(self, limit: Range, value: float) -> str:
        """Why *value* breaks *limit*, for the result (default: the range's own words)."""
        return limit.violation

    def performance(self, metric: Metric, resource: Any) -> Perfdata:
        return Perfdata(metric.name, metric.value, metric.uom or "", self.warning,
                        self.critical, metric.min, metric.max)

    def describe(self, metric: Metric) -> str | None:
        if not self.fmt_metric:
            return None
        if callable(self.fmt_metric):
            return self.fmt_metric(metric, self)
        return self.fmt_metric.format(
            name=metric.name, value=metric.value, uom=metric.uom or "",
            valueunit=value_text(metric), min=metric.min, max=metric.max)
