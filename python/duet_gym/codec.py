"""Between Gymnasium actions (integer vectors) and points of a Duet design space.

A point is what ``duet serve`` takes: ``{variable name: value}``, an integer variable's value a JSON
integer, a real's a number, a choice's its label string (as listed by the ``space`` method).
An action is one integer per variable, in the order ``space`` lists them:

- choice: the index of the choice in ``choices`` (0 = the first);
- integer: the offset from ``lower`` (0 = lower, ``upper - lower`` = upper); where ``space``
  lists the allowed ``values`` (e.g. powers of two), the index among them;
- real: one of ``real_steps`` evenly spaced values from ``lower`` to ``upper`` inclusive
  (index 0 = lower, ``real_steps - 1`` = upper).

A variable that exists only under a condition (``space`` gives it a ``condition``: the parent
variable and the parent's values for which it exists) is left out of the point while its
condition is unmet; its action entry is then ignored.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

__all__ = ["Variable", "SpaceCodec", "DEFAULT_REAL_STEPS"]

#: Steps a real variable is discretized into when the caller gives no number.
DEFAULT_REAL_STEPS = 16


def _label(x: Any) -> str:
    """A value as Duet writes it in labels: 3 -> "3", "tpu" -> "tpu", True -> "true"."""
    if isinstance(x, bool):
        return "true" if x else "false"
    return x if isinstance(x, str) else str(x)


class Variable:
    """One variable of the space as an action dimension: its ``size`` values, in order."""

    __slots__ = ("name", "kind", "values", "size", "parent", "parent_values")

    def __init__(self, spec: Mapping[str, Any], real_steps: int):
        self.name: str = str(spec["name"])
        kind = str(spec.get("kind", ""))
        self.kind = kind
        values: List[Any]
        if isinstance(spec.get("values"), list) and spec["values"]:
            values = list(spec["values"])
        elif kind == "choice" or "choices" in spec:
            values = list(spec.get("choices", []))  # the labels exactly as listed
        elif kind == "integer":
            lo, hi = int(spec["lower"]), int(spec["upper"])
            values = list(range(lo, hi + 1))
        elif kind == "real":
            lo, hi = float(spec["lower"]), float(spec["upper"])
            if real_steps < 2:
                raise ValueError(f"real_steps must be at least 2, got {real_steps}")
            values = [lo + (hi - lo) * i / (real_steps - 1) for i in range(real_steps)]
        else:
            raise ValueError(f"variable {self.name!r}: unknown kind {kind!r} (expected integer, real or choice)")
        if not values:
            raise ValueError(f"variable {self.name!r} has no values")
        self.values = values
        self.size = len(values)
        cond = spec.get("condition") or spec.get("when")
        self.parent: Optional[str] = None
        self.parent_values: Optional[set] = None
        if isinstance(cond, Mapping) and cond.get("variable") is not None:
            self.parent = str(cond["variable"])
            # Compared as labels: `space` lists a condition's values as strings ("2", "tpu").
            self.parent_values = {_label(x) for x in cond.get("values", cond.get("in", []))}

    def index_of(self, value: Any) -> int:
        """The action index of a point's value (the nearest for a real or an unlisted integer)."""
        if value in self.values:
            return self.values.index(value)
        if isinstance(value, str):
            raise ValueError(f"{value!r} is not a value of {self.name} ({self.values})")
        return min(range(self.size), key=lambda i: abs(float(self.values[i]) - float(value)))


class SpaceCodec:
    """Actions <-> points for the variables ``space`` returned (a list of variable objects)."""

    def __init__(self, variables: Sequence[Mapping[str, Any]], real_steps: int = DEFAULT_REAL_STEPS):
        self.variables = [Variable(v, real_steps) for v in variables]
        if not self.variables:
            raise ValueError("the design space has no variables")
        self.names = [v.name for v in self.variables]
        self.nvec = [v.size for v in self.variables]
        self._by_name = {v.name: v for v in self.variables}
        self._conditions = self._plan()

    def _plan(self):
        """Conditions as indices: for each variable, (parent position, parent's allowed action
        indices), when every parent comes before its children (one pass decides who is active)."""
        pos = {v.name: i for i, v in enumerate(self.variables)}
        plan = []
        for i, v in enumerate(self.variables):
            if v.parent is None:
                plan.append(None)
                continue
            j = pos.get(v.parent)
            if j is None:
                plan.append(None)  # a parent outside the space: always there, as before
                continue
            if j >= i:
                return None
            allowed = frozenset(k for k, x in enumerate(self.variables[j].values) if _label(x) in (v.parent_values or ()))
            plan.append((j, allowed))
        return plan

    def point(self, action: Sequence[int]) -> Dict[str, Any]:
        """The point an action means; inactive conditional variables are left out."""
        variables = self.variables
        if len(action) != len(variables):
            raise ValueError(f"an action has {len(variables)} entries, got {len(action)}")
        idx = [int(a) for a in (action.tolist() if hasattr(action, "tolist") else action)]
        for v, i in zip(variables, idx):
            if not 0 <= i < v.size:
                raise ValueError(f"action entry for {v.name} must be in 0..{v.size - 1}, got {i}")
        plan = self._conditions
        if plan is not None:
            active = [True] * len(idx)
            p: Dict[str, Any] = {}
            for n, (v, i, c) in enumerate(zip(variables, idx, plan)):
                if c is not None and not (active[c[0]] and idx[c[0]] in c[1]):
                    active[n] = False
                    continue
                p[v.name] = v.values[i]
            return p
        p = {v.name: v.values[i] for v, i in zip(variables, idx)}
        for v in variables:
            if v.parent is not None and not self._active(v, p):
                p.pop(v.name, None)
        return p

    def action(self, point: Mapping[str, Any]) -> List[int]:
        """The action of a point (a variable the point lacks takes index 0)."""
        return [v.index_of(point[v.name]) if v.name in point else 0 for v in self.variables]
