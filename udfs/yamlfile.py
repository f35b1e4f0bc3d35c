"""Reading the tool's YAML files (rubrics, registries, project settings) with libyaml when PyYAML's
wheel carries it: the built-in national rubric parses in about 20 ms instead of 190 ms, which every
command and ribbon click would otherwise pay (BENCHMARKS.md, Start-up). Both loaders are PyYAML's
safe loader, the same resolver and constructors: the same text gives the same data."""

from __future__ import annotations

from typing import Any

import yaml

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load, through libyaml where available; raises yaml.YAMLError like it."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, C or Python
