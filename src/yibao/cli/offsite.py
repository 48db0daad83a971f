"""`yibao offsite`: cross-region care (异地就医) — filing, manual claims and clearing
(docs/offsite.md). Each part's commands live in their own module and are added here."""

from __future__ import annotations

import typer

from yibao.cli.errors import Commands

app = typer.Typer(cls=Commands, help="异地就医：备案、零星报销、清算", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    from yibao.cli import offsite_claim, offsite_clear, offsite_filing

    for part in (offsite_filing, offsite_claim, offsite_clear):
        part.add_commands(app)
    root.add_typer(app, name="offsite")
