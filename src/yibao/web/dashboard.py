"""The dashboard (运行概览) and the DRG analytics page, from the latest year report and the
fund ledger."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.core.labels import FUND_LEVEL, simulation_note
from yibao.fund.accounts import CHART, AccountCode
from yibao.indicators.charts import bar_chart, hbar_chart, line_chart
from yibao.indicators.render import MONTHS, indicator_rows, show
from yibao.indicators.table import indicator_table
from yibao.services import actuary
from yibao.web import columns
from yibao.web.html import esc, kv, link, section, table

EXPORT = f"<p>{link('/console/export/dashboard.xlsx', '导出 Excel（按月收支与基金账本）')}</p>"


def account_name(code: str) -> str:
    """The ledger account's zh-CN name from the fund's chart of accounts."""
    known = {c.value: CHART[c].name for c in AccountCode}
    return known.get(code, code)


def no_report(folder: Path, scope: str) -> str:
    return section("年度报告", f"<p class='note'>您的管辖范围（{esc(scope)}）内没有年度报告数据："
                   f"在 {esc(folder)} 下没有找到该范围内统筹区的 indicators.json。先对本统筹区运行 "
                   "yibao year，或设置 YIBAO_REPORT_DIR。</p>")


def monthly_rows(found: tuple[Path, dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The report's fund flow by month, in yuan to the cent."""
    if found is None or "monthly" not in found[1]:
        return []
    month, cent = found[1]["monthly"], Decimal("0.01")
    return [{"month": MONTHS[i], **{k: Decimal(str(month[k][i])).quantize(cent)
                                    for k in ("income", "expenditure", "balance")}}
            for i in range(len(month["income"]))]


def ledger_rows(items: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{**b, "name": account_name(b["code"])} for b in items or ()]


def _monthly(month: dict[str, list[Decimal]]) -> str:
    rows = [(esc(MONTHS[i]), show(month["income"][i], "yuan"),
             show(month["expenditure"][i], "yuan"), show(month["balance"][i], "yuan"))
            for i in range(len(month["income"]))]
    return (bar_chart("基金按月收入与支出", MONTHS,
                      {"收入": month["income"], "支出": month["expenditure"]})
            + line_chart("基金累计结余", MONTHS, {"累计结余": month["balance"]})
            + table(["月份", "收入", "支出", "累计结余"], rows, (1, 2, 3)))


def balances_block(items: Sequence[dict[str, Any]] | None) -> str:
    if items is None:
        return "<p class='note'>您的角色不查看基金账户余额（基金财务、局领导可见）。</p>"
    if not items:
        return "<p class='note'>账本中还没有记账。</p>"
    rows = [(esc(b["region"]), esc(account_name(b["code"])),
             esc(b["debit"]), esc(b["credit"]), esc(b["balance"])) for b in items]
    return table(["统筹区", "科目", "借方", "贷方", "余额"], rows, (2, 3, 4))


def dashboard_body(found: tuple[Path, dict[str, Any]] | None, folder: Path,
                   balances: Sequence[dict[str, Any]] | None, scope: str) -> str:
    ledger = section("基金账本（当前余额）", balances_block(balances))
    if found is None:
        return no_report(folder, scope) + ledger
    where, doc = found
    intro = kv([("报告", f"{where.parent.name}/{where.name}"), ("统筹区", doc.get("region")),
                ("年度", doc.get("year")), ("测算方案", doc.get("profile")),
                ("规模", doc.get("scale"))])
    notice = (f"<p class='notice'>{esc(simulation_note(doc['profile'], doc.get('scale')))}</p>"
              if doc.get("profile") else "")
    return (section("年度报告", notice + intro)
            + section("主要指标与“十四五”目标", indicator_rows(indicator_table(doc)))
            + section("基金收支与结余（按月）", _monthly(doc["monthly"]) + EXPORT) + ledger)


def hospitals_in_scope(found: tuple[Path, dict[str, Any]] | None, sees: Any
                       ) -> list[dict[str, Any]]:
    """The report's hospitals whose code names a region in the viewer's scope, by CMI."""
    if found is None or "drg" not in found[1]:
        return []
    return sorted((h for h in found[1]["drg"].get("hospitals", [])
                   if sees(str(h["hospital"])[1:7])), key=lambda h: -h["cmi"])


def drg_body(found: tuple[Path, dict[str, Any]] | None, folder: Path, sees: Any,
             results: Sequence[dict[str, Any]], scope: str) -> str:
    export = f"<p>{link('/console/export/drg.xlsx', '导出 Excel（两张表）')}</p>"
    stored = columns.html_table(columns.DRG_RESULTS, results) if results else (
        "<p class='note'>管辖范围内还没有结算清单的分组结果（4101A）。</p>")
    tail = section("结算清单分组结果（管辖范围内，最近 50 条）", stored + export)
    if found is None or "drg" not in found[1]:
        return no_report(folder, scope) + tail
    drg = found[1]["drg"]
    grouping = drg.get("grouping", {})
    head = kv([("点值（元/点）", drg.get("point_value")), ("总点数", drg.get("total_points")),
               ("DRG 预算", show(drg.get("budget", 0), "yuan")), ("病例数", drg.get("cases")),
               ("入组", grouping.get("ok")), ("未入组", grouping.get("invalid")),
               ("CV≥1 的组数", drg.get("groups_cv_at_least_1")),
               ("细分组数", drg.get("splits"))])
    hospitals = hospitals_in_scope(found, sees)
    chart = hbar_chart("各医院 CMI", [h["name"] for h in hospitals],
                       [h["cmi"] for h in hospitals]) if hospitals else ""
    return (section("DRG 结合点数法：本年", head)
            + section("各医院病例组合指数（CMI，管辖范围内）",
                      chart + columns.html_table(columns.HOSPITALS, hospitals))
            + tail)


def projection_body(found: tuple[Path, dict[str, Any]] | None, folder: Path, scope: str) -> str:
    """The newest actuarial projection in scope (`projection.json` of `yibao fund project
    --report`): the chart of each fund's closing balance, the year it is exhausted, the table."""
    if found is None:
        return section("基金中长期精算", f"<p class='note'>您的管辖范围（{esc(scope)}）内没有精算"
                       f"结果：在 {esc(folder)} 下没有找到 projection.json。先运行 yibao fund "
                       f"project --region 统筹区 --from 基年 --data 数据目录 --report "
                       f"{esc(folder)}/精算。</p>")
    doc = found[1]
    head = kv([("统筹区", doc.get("region")), ("基年", doc.get("from")),
               ("情景", doc.get("scenario"))])
    rows, notes = [], []
    for fund, data in doc["funds"].items():
        name = actuary.FUND_NAMES.get(fund, fund)
        exhausted = data.get("exhausted")
        notes.append(f"<li>{esc(name)}：" + (f"<b class='unmet'>{esc(exhausted)} 年累计结余转负</b>"
                                             if exhausted else "预测期内累计结余未转负") + "</li>")
        for y in data["years"]:
            months = y.get("months_payable")
            rows.append([esc(name), esc(y["year"]), esc(show(Decimal(y["income"]), "yuan")),
                         esc(show(Decimal(y["expenditure"]), "yuan")),
                         esc(show(Decimal(y["balance_close"]), "yuan")),
                         esc(months if months is not None else "—"),
                         esc(FUND_LEVEL.get(y.get("level") or "", "—"))])
    chart = actuary.projection_svg_of(doc)
    return (section("基金中长期精算", head + chart + f"<ul>{''.join(notes)}</ul>")
            + section("各基金逐年收支与累计结余", table(
                ["基金", "年度", "收入", "支出", "期末累计结余", "可支付月数",
                 "水平"], rows, numeric=(2, 3, 4, 5))))
