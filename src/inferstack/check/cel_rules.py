"""CEL rules (`x-kubernetes-validations`): compile once, decide what can run offline, evaluate.

The runtime is the `common-expression-language` package (a Rust CEL implementation): about a
hundred times faster per evaluation than a pure-Python one, and it reports which functions and
variables an expression uses, which is how rules are classified without evaluating them:
- a rule that reads `oldSelf` is a transition rule: it compares with the stored object, which
  does not exist offline (the API server skips these on create too);
- a rule that calls a function outside `cel_functions.SUPPORTED` (quantity, url, ip, format, ...)
  or uses syntax the runtime cannot parse is unsupported;
- a rule whose evaluation fails (missing field, type mismatch, bad regex) is skipped, never
  reported as a violation;
- all rules of an object with a blocking schema error are skipped (see structural.py).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .cel_functions import FUNCTIONS, SUPPORTED

TRANSITION = "transition rules"
UNSUPPORTED_FUNCTION = "unsupported functions"
UNSUPPORTED_SYNTAX = "unsupported syntax"
EVALUATION_ERROR = "evaluation errors"
BLOCKED = "blocked by schema errors"
SKIP_REASONS = (TRANSITION, UNSUPPORTED_FUNCTION, UNSUPPORTED_SYNTAX, EVALUATION_ERROR, BLOCKED)

_runtime = None


def _cel_module():
    """The compiled extension module alone: the package's __init__ also imports its interactive
    CLI (typer, rich, prompt_toolkit), which costs ~0.2 s of start-up for nothing."""
    global _runtime
    if _runtime is None:
        spec = importlib.util.find_spec("cel")
        try:
            folder = spec.submodule_search_locations[0]
            suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
            path = next(os.path.join(folder, f) for f in sorted(os.listdir(folder))
                        if f.startswith("cel.") and f.endswith(suffixes))
            loader = importlib.machinery.ExtensionFileLoader("cel.cel", path)
            module = importlib.util.module_from_spec(importlib.util.spec_from_file_location("cel.cel", path, loader=loader))
            loader.exec_module(module)
        except (AttributeError, StopIteration, ImportError, OSError, TypeError, IndexError):
            import cel as module  # the ordinary import still works, only slower
        _runtime = module
    return _runtime


@dataclass
class CelCounts:
    """Rule evaluations (one rule applied to one value) and skips by reason."""

    evaluated: int = 0
    skipped: Counter = field(default_factory=Counter)

    def add(self, other: CelCounts) -> None:
        self.evaluated += other.evaluated
        self.skipped.update(other.skipped)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        text = f"CEL: {self.evaluated} evaluated, {self.skipped_total} skipped"
        if self.skipped_total:
            parts = [f"{self.skipped[r]} {r}" for r in SKIP_REASONS if self.skipped[r]]
            text += f" ({', '.join(parts)})"
        return text


@dataclass
class CompiledRule:
    text: str
    program: Any = None
    skip_reason: str | None = None
    detail: str = ""  # the unsupported function names, or the parse error

    def evaluate(self, value: Any) -> Any:
        """The rule's result for `self` = value; raises when evaluation fails."""
        return self.program.execute({"self": value, **FUNCTIONS})


class CelCompiler:
    """Compiles each distinct rule text once, and evaluates rules against a bound `self`.

    Handing a value to the runtime converts it (PyO3), which costs far more than evaluating a
    typical rule: ~40 us for a small mapping. `bind` converts a node's value once; `run` then
    evaluates each of the node's rules against it.
    """

    def __init__(self):
        self._rules: dict[str, CompiledRule] = {}
        self._context = None

    def bind(self, value: Any) -> None:
        if self._context is None:
            self._context = _cel_module().Context(functions=FUNCTIONS)
        self._context.add_variable("self", value)

    def run(self, compiled: CompiledRule) -> Any:
        """The rule's result for the bound `self`; raises when evaluation fails."""
        return compiled.program.execute(self._context)

    def compile(self, text: str) -> CompiledRule:
        found = self._rules.get(text)
        if found is None:
            found = self._rules[text] = self._compile(text)
        return found

    @staticmethod
    def _compile(text: str) -> CompiledRule:
        cel = _cel_module()
        try:
            program = cel.compile(text)
        except (ValueError, RuntimeError, TypeError) as exc:
            return CompiledRule(text, skip_reason=UNSUPPORTED_SYNTAX, detail=str(exc).splitlines()[0])
        if "oldSelf" in program.variables():
            return CompiledRule(text, skip_reason=TRANSITION)
        unknown = sorted(set(program.functions()) - SUPPORTED)
        if unknown:
            return CompiledRule(text, skip_reason=UNSUPPORTED_FUNCTION, detail=", ".join(unknown))
        return CompiledRule(text, program=program)


def message_of(rule: dict, compiler: CelCompiler) -> str:
    """The rule's messageExpression result for the bound `self`, else its message, else the rule text
    (as the API server does)."""
    expression = rule.get("messageExpression")
    compiled_message = compiler.compile(expression) if expression else None
    if compiled_message is not None and compiled_message.program is not None:
        try:
            text = compiler.run(compiled_message)
            if isinstance(text, str) and text.strip():
                return text
        except Exception:  # noqa: BLE001 - a failing messageExpression falls back to the message
            pass
    return rule.get("message") or f"failed rule: {rule['rule']}"
