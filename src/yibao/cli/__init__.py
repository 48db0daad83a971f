"""The `yibao` command: a thin face that parses arguments, calls services and prints results.

Each room's commands live in their own module here and are registered below.
"""

from __future__ import annotations

import typer

from yibao.cli import zh
from yibao.cli.errors import Commands

zh.install()
app = typer.Typer(
    cls=Commands,
    name="yibao",
    help="yibao 医保平台：参保、一站式结算、DRG/DIP 支付、基金监管。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that `yibao --help` stays fast and each room stays optional.
    from yibao.cli import account as account_cli
    from yibao.cli import assist as assist_cli
    from yibao.cli import audit as audit_cli
    from yibao.cli import catalog as catalog_cli
    from yibao.cli import contribute as contribute_cli
    from yibao.cli import db as db_cli
    from yibao.cli import demo as demo_cli
    from yibao.cli import drg as drg_cli
    from yibao.cli import enroll as enroll_cli
    from yibao.cli import fund as fund_cli
    from yibao.cli import institution as institution_cli
    from yibao.cli import offsite as offsite_cli
    from yibao.cli import opsp as opsp_cli
    from yibao.cli import policy as policy_cli
    from yibao.cli import reverse as reverse_cli
    from yibao.cli import serve as serve_cli
    from yibao.cli import settle as settle_cli
    from yibao.cli import sim as sim_cli
    from yibao.cli import user as user_cli
    from yibao.cli import year as year_cli

    settle_cli.register(app)
    sim_cli.register(app)
    year_cli.register(app)
    for room in (db_cli, enroll_cli, contribute_cli, fund_cli, reverse_cli):
        room.register(app)
    policy_cli.register(app)
    offsite_cli.register(app)
    opsp_cli.register(app)
    account_cli.register(app)
    assist_cli.register(app)
    demo_cli.register(app)
    app.add_typer(drg_cli.app, name="drg")
    app.add_typer(audit_cli.app, name="audit")
    for face in (serve_cli, user_cli, institution_cli, catalog_cli):
        face.register(app)


_register()
