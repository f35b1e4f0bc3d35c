"""xinyong scoring core: the XY_ vocabulary, the rubric model, rubric files and headless scoring."""

__version__ = "0.1.0"
