"""Rubrics as data: the model, reading rubric files, and the rubric checker."""

from .checker import check
from .loader import RubricNotFound, list_builtin, load, resolve
from .model import Check, Condition, Group, InputSpec, Item, Parameter, Rubric, Section

__all__ = [
    "Check", "Condition", "Group", "InputSpec", "Item", "Parameter", "Rubric", "RubricNotFound",
    "Section", "check", "list_builtin", "load", "resolve",
]  # fmt: skip
