"""The dashboard (运行概览) and the DRG analytics page, from the latest year report and the
fund ledger."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.core import labels
from yibao.core.labels import FUND_LEVEL, simulation_note
from yibao.fund.accounts import CHART, AccountCode
from yibao.indicators.aggregate import RATIOS
from yibao.indicators.charts import bar_chart, hbar_chart, line_chart
from yibao.indicators.render import MONTHS, indicator_rows, show
from yibao.indicators.table import fund_rows, indicator_table
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


def monthly_rows(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The scope's fund flow by month, in yuan to the cent."""
    if doc is None or "monthly" not in doc:
        return []
    month, cent = doc["monthly"], Decimal("0.01")
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


def _notice(doc: dict[str, Any]) -> str:
    if not doc.get("profile"):
        return ""
    text = (simulation_note(doc["profile"], doc["scale"]) if doc.get("scale") is not None
            else f"模拟数据：由模拟器按测算方案 {doc['profile']} 生成，各统筹区规模不同；"
                 "不是真实经办数据，金额与人次仅供演示和测算。")
    return f"<p class='notice'>{esc(text)}</p>"


def _intro(doc: dict[str, Any], scope: str) -> str:
    regions = doc.get("regions")
    if not regions:
        alone = "" if doc.get("region") == scope else (
            f"<p class='note'>您的管辖范围（{esc(scope)}）内只有统筹区 {esc(doc.get('region'))} "
            "有本年度的报告数据，下列为该统筹区的数字。</p>")
        return alone + kv([("统筹区", doc.get("region")), ("年度", doc.get("year")),
                           ("测算方案", doc.get("profile")), ("规模", doc.get("scale"))])
    gaps = [k for k in RATIOS if doc.get(k) is None]
    note = ("<p class='note'>管辖范围内各统筹区年度报告的合计：人数、金额与按月收支相加，"
            "比例由结算库中各统筹区住院结算的分子、分母合计后重算（不取平均）"
            + ("；结算库未存全各统筹区的住院结算（或其结算清单），比例无法重算，显示为 —"
               if gaps else "") + "。</p>")
    return note + kv([("统筹区", f"{len(regions)} 个：{'、'.join(regions)}"),
                      ("年度", doc.get("year")), ("测算方案", doc.get("profile")),
                      ("规模", doc.get("scale") or "各不相同")])


#: Levels shown in red: a fund that may not pay (结余不足) or spends more than it receives.
RED_LEVELS = frozenset({"insufficient", "deficit"})


def warnings_block(regions: Sequence[dict[str, Any]] | None) -> str:
    """The fund risk warnings (基金运行风险预警) of the regions in the viewer's scope."""
    if regions is None:
        return "<p class='note'>您的角色不查看基金运行预警（基金财务、局领导可见）。</p>"
    if not regions:
        return "<p class='note'>管辖范围内的账本中还没有基金记账。</p>"
    rows = []
    for block in regions:
        for w in block["warnings"]:
            level = labels.name("fund_level", w["level"])
            css = "unmet" if w["level"] in RED_LEVELS else "warn"
            rows.append((esc(block["region"]), esc(block["year"]), esc(account_name(w["fund"])),
                         f"<b class='{css}'>{esc(level)}</b>",
                         esc(labels.name("fund_indicator", w["indicator"])),
                         esc(w["value"] if w["value"] is not None else "—"), esc(w["message"])))
    quiet = [f"{b['region']}（{b['year']} 年）" for b in regions if not b["warnings"]]
    note = (f"<p class='met'>无预警：{esc('、'.join(quiet))}</p>" if quiet else "")
    head = ("<p class='note'>按账本实时计算（yibao fund analyze），每个统筹区取有记账的最近年度；"
            "阈值见 docs/fund-analysis.md。</p>")
    return head + (table(["统筹区", "年度", "基金", "等级", "指标", "值", "说明"], rows, (5,))
                   if rows else "") + note


def dashboard_body(doc: dict[str, Any] | None, folder: Path,
                   balances: Sequence[dict[str, Any]] | None, scope: str,
                   warnings: Sequence[dict[str, Any]] | None = None) -> str:
    """The scope's year figures (`services.dashboard.scope_figures`), the fund warnings and
    the ledger."""
    ledger = (section("基金运行风险预警", warnings_block(warnings))
              + section("基金账本（当前余额）", balances_block(balances)))
    if doc is None:
        return no_report(folder, scope) + ledger
    return (section("年度报告", _notice(doc) + _intro(doc, scope))
            + section("主要指标与“十四五”目标", indicator_rows(
                indicator_table(doc) + fund_rows(doc.get("fund"))))
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
    """The newest actuarial projection in scope (`projection.json` of the year job or of
    `yibao fund project --report`): the chart of each fund's closing balance, the year it is
    exhausted, the table."""
    if found is None:
        return section("基金中长期精算", f"<p class='note'>您的管辖范围（{esc(scope)}）内没有精算"
                       f"结果：在 {esc(folder)} 下没有找到 projection.json。先运行 yibao year "
                       f"--data 数据目录 --report {esc(folder)}，或 yibao fund project "
                       f"--region 统筹区 --from 基年 --data 数据目录 --report "
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
