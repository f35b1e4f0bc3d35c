"""The XY_ scoring vocabulary: every scoring rule of the seeds as a plain Python function.

Importing this package registers every function in ``REGISTRY`` (Excel name -> XYFunction).
"""

from . import finance, generic, services, sharing  # noqa: F401  (registration side effects)
from .core import REGISTRY, Arg, Notice, XYFunction, XYInputError, collect_notices

__all__ = ["REGISTRY", "Arg", "Notice", "XYFunction", "XYInputError", "collect_notices"]
