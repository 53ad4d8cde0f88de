"""The decision engine: from a purchase and a rule pack to a decision.

- :mod:`.decide`: the steps of PRODUCT.md's "How the default rules decide", as data;
- :mod:`.explain`: the words of a decision, written from what was decided;
- :mod:`.memo`: the one memo, of verdicts by what can change them;
- :mod:`.route`: :func:`route` and :func:`route_many`;
- :mod:`.check`: does a method used agree with the rules?
"""

from .route import RowError, route, route_many

__all__ = ["RowError", "route", "route_many"]
