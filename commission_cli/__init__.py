"""commission: a procurement route advisor for public-sector commissioning.

The Python API behind the ``commission`` command::

    from commission_cli import load_rules, route

    rules = load_rules()                      # the shipped Wolverhampton pack
    purchase = rules.purchase(title="Day care", annual_value="45k", years=3, outcomes="certain")
    decision = route(purchase, rules)
    decision.method.id                        # 'full_competitive'

Names are imported when first used (PEP 562), so ``import commission_cli`` costs
next to nothing and a command pays only for what it uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .engine.route import RowError, load_purchase, route, route_many
    from .errors import InputError, Problem, RulePackError
    from .model.decision import Decision
    from .model.purchase import Purchase
    from .rules.compiled import Rules
    from .rules.load import load_rules

_WHERE = {
    "Decision": "model.decision",
    "Purchase": "model.purchase",
    "InputError": "errors",
    "Problem": "errors",
    "RulePackError": "errors",
    "Rules": "rules.compiled",
    "load_rules": "rules.load",
    "route": "engine.route",
    "route_many": "engine.route",
    "RowError": "engine.route",
    "load_purchase": "engine.route",
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
# The names above, imported on first use (see __getattr__): `import commission_cli`
# stays nearly free.


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'commission_cli' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
