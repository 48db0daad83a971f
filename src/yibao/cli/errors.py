"""Errors a person can fix end a command with one zh-CN sentence and exit status 2.

`fail` is for a command that catches its own error. `Commands` is the group class of every
`yibao` command group: whatever a command leaves uncaught that `yibao.services.errors.user_message`
knows is printed the same way instead of a traceback; anything else is a programmer error and
keeps its traceback.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.markup import escape
from typer.core import TyperGroup

from yibao.cli.progress import console

#: Exit status of a command stopped by a problem in its input, options or environment.
EXIT_INPUT = 2


def fail(message: str) -> NoReturn:
    """Print `message` (one zh-CN sentence) on stderr and exit with status 2."""
    console.print(f"[red]✗[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_INPUT)


class Commands(TyperGroup):
    """The command group that turns known errors into `fail`."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            from yibao.services.errors import user_message

            message = user_message(error)
            if message is None:
                raise
            fail(message)
