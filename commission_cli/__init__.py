"""commission: a procurement route advisor for public-sector commissioning.

The Python API behind the ``commission`` command::

    from commission_cli import Purchase, load_rules, route

    rules = load_rules()                      # the shipped Wolverhampton pack
    purchase = Purchase(title="Day care", annual_value="45k", years=3, outcomes="certain")
    decision = route(purchase, rules)
    decision.method.id                        # 'full_competitive'

Names are imported lazily, so ``import commission_cli`` costs next to nothing
and a command pays only for what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .batch import RowError, route_many
    from .decision import Decision
    from .engine import route
    from .errors import InputError, Problem, RulePackError
    from .loading import load_purchase
    from .purchase import Purchase
    from .rules import Rules, load_rules

_LAZY = {
    "Decision": "decision",
    "route": "engine",
    "InputError": "errors",
    "Problem": "errors",
    "RulePackError": "errors",
    "load_purchase": "loading",
    "Purchase": "purchase",
    "Rules": "rules",
    "route_many": "batch",
    "RowError": "batch",
    "load_rules": "rules",
}

__all__ = [
    "Decision",
    "InputError",
    "Problem",
    "Purchase",
    "RowError",
    "RulePackError",
    "Rules",
    "__version__",
    "load_purchase",
    "load_rules",
    "route",
    "route_many",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'commission_cli' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
