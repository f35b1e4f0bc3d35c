"""What every command shares: the usage failure (exit code 2, Chinese message), JSON output, the
exit code for findings, opening a project folder."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from udfs.findings import Finding

    from .project import Project

EXIT_FINDINGS = 1


class UsageFailure(click.ClickException):
    """Bad usage or unreadable input: exit code 2, message in Chinese."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.message}", err=True)


def emit_json(data: object) -> None:
    """Strict JSON for scripts: a number that is not finite (none should reach here: typing refuses
    them) is written as null, never as NaN or Infinity, which strict parsers reject."""
    click.echo(json.dumps(strict(data), ensure_ascii=False, indent=2, allow_nan=False))


def strict(data: object) -> object:
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: strict(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [strict(v) for v in data]
    return data


def finish(findings: list[Finding]) -> None:
    """The one exit-code rule of every command (README, 退出码): 0 when the job ran and nothing needs
    action, 1 when it ran and found something to act on (any warning or error: a rejected file, a
    conflict, missing figures, an unscored item, a veto), 2 (UsageFailure) when it could not run."""
    from udfs.findings import Severity

    if any(f.severity is not Severity.INFO for f in findings):
        sys.exit(EXIT_FINDINGS)


def open_folder(folder: Path) -> Project:
    from .project import ProjectError, open_project

    try:
        project, _findings = open_project(folder)
    except ProjectError as exc:
        raise UsageFailure(str(exc)) from None
    return project


def chosen_subject(project: Project, name: str | None) -> str | None:
    """The full name of the subject `--subject NAME` names (None without the option); UsageFailure
    when the project assesses one subject, or NAME is none of its subjects."""
    from .plan.subjects import SubjectError, project_subject

    if name is None:
        return None
    if not project.subjects:
        raise UsageFailure(f"“{project.rubric.title}”评估的是一个整体，没有逐一考核的对象；请去掉 --subject")
    try:
        return project_subject(project.subjects, name, project.registry)
    except SubjectError as exc:
        raise UsageFailure(str(exc)) from None
