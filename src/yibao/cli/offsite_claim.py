"""`yibao offsite claim --input FILE`: a manual claim (零星报销, docs/offsite.md "Manual claims"),
settled exactly once per claim id; prints the result (JSON) and what was written."""

from __future__ import annotations

from typing import Annotated

import typer

CLAIM_HELP = ("零星报销申请 JSON 文件（结算请求加 claim_id 发票号；机构未登记时加 mdtrtarea_admvs "
              "与 visit.hosp_lv），- 表示标准输入")


def claim_command(
    input: Annotated[str, typer.Option("--input", "-i", help=CLAIM_HELP)],
) -> None:
    """零星报销：参保人在不能直接结算的机构全额付费后，凭发票和费用清单回参保地报销；同一单号只受理一次。"""
    from yibao.cli.progress import console
    from yibao.cli.settle import commit_document
    from yibao.services import claims

    outcome = commit_document(input, claims.claim_manual)
    what = "已受理过，返回原结果，未重复记账" if outcome.replayed else "已结算并记账"
    console.print(f"零星报销：{what}（结算ID {outcome.setl_id}，基金支付 "
                  f"{outcome.result['fund_pay_sumamt']} 元，应付参保人）", highlight=False)


def add_commands(app: typer.Typer) -> None:
    """Add this part's commands to the `yibao offsite` group."""
    app.command("claim")(claim_command)
