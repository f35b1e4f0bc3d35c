"""The one exception a command raises for bad usage or unreadable input: exit code 2, Chinese message."""

from __future__ import annotations

import click


class UsageFailure(click.ClickException):
    """Bad usage or unreadable input: exit code 2, message in Chinese."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.message}", err=True)
