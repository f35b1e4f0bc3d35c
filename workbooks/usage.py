"""What every command shares: the usage failure (exit code 2, Chinese message), JSON output, the
exit code for findings, opening a project folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from udfs.findings import Finding, Severity

from .project import Project, ProjectError, open_project

EXIT_FINDINGS = 1


class UsageFailure(click.ClickException):
    """Bad usage or unreadable input: exit code 2, message in Chinese."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.message}", err=True)


def emit_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def finish(findings: list[Finding]) -> None:
    """Exit code 1 when anything other than information was found (click carries 0 otherwise)."""
    if any(f.severity is not Severity.INFO for f in findings):
        sys.exit(EXIT_FINDINGS)


def open_folder(folder: Path) -> Project:
    try:
        project, _findings = open_project(folder)
    except ProjectError as exc:
        raise UsageFailure(str(exc)) from None
    return project
