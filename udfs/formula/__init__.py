"""The Excel formula language of rubric files: parsing and walking formula trees."""

from .parser import FormulaSyntaxError, Node, functions, names, parse, walk

__all__ = ["FormulaSyntaxError", "Node", "functions", "names", "parse", "walk"]
