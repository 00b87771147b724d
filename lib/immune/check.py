"""The check controller: probe every Resource, judge every Metric, keep order.

Replaces ``nagiosplugin.Check``, whose module pulls in its Runtime (and
``logging``) and which sorts performance data alphabetically
(``load1, load15, load5``). Here perfdata keeps the order the resources
yielded their metrics, which graphing tools key on.
"""

from __future__ import annotations

from immune.domain import (
    CheckError,
    Context,
    Metric,
    Resource,
    Result,
    Results,
    ServiceState,
    Summary,
    Unknown,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Check:
    """Resources, Contexts (by name) and one Summary, run once by :meth:`__call__`."""

    def __init__(self, *objects: Any) -> None:
        self.resources: list[Resource] = []
        self.contexts: dict[str, Context] = {}
        self.summary = Summary()
        self.results = Results()
        self.perfdata: list[Any] = []
        for obj in objects:
            if isinstance(obj, Resource):
                self.resources.append(obj)
            elif isinstance(obj, Context):
                self.contexts[obj.name] = obj
            elif isinstance(obj, Summary):
                self.summary = obj
            else:
                raise TypeError(f"cannot add {type(obj).__name__} to a check")

    def __call__(self) -> None:
        """Probe all resources and judge their metrics."""
        for resource in self.resources:
            try:
                for metric in _as_metrics(resource.probe()):
                    self._judge(metric, resource)
            except CheckError as err:
                self.results.add(Result(Unknown, str(err)))

    def _judge(self, metric: Metric, resource: Resource) -> None:
        try:
            context = self.contexts[metric.context]
        except KeyError:
            raise CheckError(f"no context named '{metric.context}'") from None
        metric = metric.replace(contextobj=context, resource=resource)
        result = metric.evaluate()
        if isinstance(result, ServiceState):
            result = Result(result, metric=metric)
        self.results.add(result)
        performance = context.performance(metric, resource)
        if performance is not None:
            self.perfdata.append(performance)

    @property
    def state(self) -> ServiceState:
        """The worst state among the results; UNKNOWN when there are none."""
        return self.results.most_significant_state if self.results else Unknown

    @property
    def exitcode(self) -> int:
        """The plugin exit code of :attr:`state`."""
        return int(self.state)

    @property
    def summary_str(self) -> str:
        """The summary for the status line."""
        if not self.results:
            return self.summary.empty() or ""
        if self.state.code == 0:
            return self.summary.ok(self.results) or ""
        return self.summary.problem(self.results) or ""

    def long_output(self) -> list[str]:
        """Lines for the long output (with ``-v``)."""
        lines = self.summary.verbose(self.results) or []
        return [lines] if isinstance(lines, str) else list(lines)


def _as_metrics(probed: Any) -> Any:
    if probed is None:
        return ()
    if isinstance(probed, Metric):
        return (probed,)
    return probed
