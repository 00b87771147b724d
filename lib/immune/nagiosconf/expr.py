"""Values computed from host facts: ``"{cpus * 2}"`` becomes ``"16"`` on an 8-CPU host.

A value template is text where each ``{...}`` holds an arithmetic expression
over the host's facts (numbers or strings): names, numbers, ``+ - * / //``,
parentheses, unary minus and ``min()``/``max()``/``round()``. Nothing else
is evaluated (no attributes, no other calls), so an inventory cannot run
code. Numbers are written without float noise.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Mapping

from immune.numbers import format_number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_FIELD = re.compile(r"\{([^{}]*)\}")
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv}
_FUNCTIONS = {"min": min, "max": max, "round": round}


class ExpressionError(ValueError):
    """An expression that cannot be evaluated (the message says why)."""


def _evaluate(node: ast.AST, facts: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, facts)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in facts:
            raise ExpressionError(f"unknown fact '{node.id}'")
        return facts[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, facts), _evaluate(node.right, facts)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right)):
            raise ExpressionError("arithmetic needs numbers")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ExpressionError("division by zero") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _evaluate(node.operand, facts)
        if not isinstance(value, int | float):
            raise ExpressionError("arithmetic needs numbers")
        return -value
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS and not node.keywords):
        return _FUNCTIONS[node.func.id](*(_evaluate(a, facts) for a in node.args))
    raise ExpressionError(f"'{ast.unparse(node)}' is not allowed (arithmetic on facts only)")


def evaluate(expression: str, facts: Mapping[str, Any]) -> Any:
    """The value of one expression over *facts*."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"'{expression}' is not an expression") from None
    return _evaluate(tree, facts)


def _text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, 3)
    return str(value)


def render(template: Any, facts: Mapping[str, Any]) -> str:
    """*template* with every ``{expression}`` replaced by its value over *facts*."""
    if isinstance(template, bool):
        return "true" if template else "false"
    if not isinstance(template, str):
        return _text(template)
    return _FIELD.sub(lambda match: _text(evaluate(match.group(1), facts)), template)
