"""`yibao offsite`: monthly clearing, export and import (清算)."""

from __future__ import annotations

import typer


def add_commands(app: typer.Typer) -> None:
    """Add this part's commands to the `yibao offsite` group."""
