"""Yes/no findings: an assertion about the world that holds or does not.

Many checks do not measure a number but verify a fact: a path has the right
owner, a PHP extension is loaded, a configuration parses. A Resource yields
one :class:`Metric` per fact whose value is a :class:`Finding`; a
:class:`FactContext` judges it OK when it holds and *state* (CRITICAL by
default) when it does not. The finding's text is the result's description,
so summaries can list every failed finding as it stands. Findings have no
performance data.
"""

from __future__ import annotations

from collections import namedtuple

from immune.domain import Context, Critical, Metric, Ok, Result, ServiceState


class Finding(namedtuple("Finding", "holds text")):
    """The outcome of one assertion: whether it *holds*, and a *text* saying what was found."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return bool(self.holds)


def fact(name: str, holds: bool, text: str, context: str = "fact") -> Metric:
    """A Metric carrying one :class:`Finding`, judged by the context named *context*."""
    return Metric(name, Finding(bool(holds), text), context=context)


class FactContext(Context):
    """OK when the finding holds, *state* when it does not (CRITICAL by default)."""

    def __init__(self, name: str = "fact", state: ServiceState = Critical) -> None:
        super().__init__(name)
        self.state = state

    def evaluate(self, metric: Metric, resource: object) -> Result:
        return Result(Ok if metric.value else self.state, None, metric)

    def describe(self, metric: Metric) -> str:
        value = metric.value
        return value.text if isinstance(value, Finding) else str(value)


def failed(results) -> list[str]:
    """Texts of every finding that did not hold, in the order they were probed."""
    return [str(r) for r in results.results if r.state != Ok]
