"""The audit work queue (稽核工作队列): the list of cases and a case's page with its evidence,
its trail (who, when) and the moves open to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlencode

from yibao.core import labels
from yibao.core.beijing import beijing_text
from yibao.web import columns
from yibao.web.html import esc, flash, kv, link, path, section, table

MOVE_NAMES: Final = {"under_review": "开始审核", "confirmed": "确认违规", "dismissed": "排除",
                     "appealed": "登记申诉", "new": "退回待审"}
STATES: Final = (("", "全部"), *labels.CASE_STATE.items())


def cases_body(items: Sequence[dict[str, Any]], total: int, state: str, note: str,
               paging: str = "") -> str:
    choices = "".join(f"<option value='{v}'{' selected' if v == state else ''}>{n}</option>"
                      for v, n in STATES)
    pick = ("<form method='get' action='/console/cases'><select name='state' "
            f"aria-label='状态'>{choices}</select> <button type='submit'>筛选</button></form>")
    export = link("/console/export/cases.xlsx?" + urlencode({"state": state} if state else {}),
                  "导出 Excel（按当前筛选）")
    listing = (paging + columns.html_table(columns.CASES, items) + f"<p>{export}</p>") \
        if items else f"<p class='note'>{esc(note or '没有案件')}</p>"
    return section(f"案件（共 {total:,} 件）", pick + listing)


def _evidence(case: dict[str, Any]) -> str:
    ev = case["evidence"]
    rule = ev.get("rule", {})
    facts = kv([("规则", f"{rule.get('id')} {rule.get('name')}"), ("类别", rule.get("category")),
                ("结论类型", rule.get("result")),
                ("严重程度", labels.name("severity", rule.get("severity"))),
                ("依据", rule.get("source"))])
    lines = table(["明细序号", "项目编码", "金额"], [
        (esc(x["feedetl_sn"]), esc(x["hilist_code"]), esc(x["fee"])) for x in ev["lines"]],
        (2,)) if ev.get("lines") else "<p class='note'>整次就诊命中（非单条明细）。</p>"
    visit = ev.get("visit", {})
    setl = link(path("/console/settlements", case["setl_id"]), case["setl_id"])
    return (facts + f"<p>{esc(rule.get('message'))}</p>" + lines
            + f"<p>就诊 {esc(case['mdtrt_id'])}（{esc(visit.get('begndate'))} 至 "
              f"{esc(visit.get('enddate'))}），结算 {setl}</p>")


def _actions(case: dict[str, Any], csrf: str) -> str:
    forms = []
    for to in case["moves"]:
        amount = (f"<label>确认金额（元）<input name='amount' value='{esc(case['amount'])}' "
                  "inputmode='decimal'></label>") if to == "confirmed" else ""
        forms.append(
            f"<form method='post' action='{path('/console/cases', case['case_id'], 'move')}'>"
            f"<input type='hidden' name='csrf' value='{esc(csrf)}'>"
            f"<input type='hidden' name='to' value='{esc(to)}'>{amount}"
            "<label>说明<textarea name='note' rows='2' maxlength='500'></textarea></label>"
            f"<button type='submit'>{esc(MOVE_NAMES.get(to, to))}</button></form>")
    if not forms:
        return "<p class='note'>案件已办结，没有可做的操作。</p>"
    return f"<div class='actions'>{''.join(forms)}</div>"


def case_body(case: dict[str, Any], csrf: str, message: str = "", error: str = "") -> str:
    shown = flash(message, error)
    facts = kv([("案件", case["case_id"]), ("状态", case["state_name"]),
                ("统筹区", case["region"]), ("年度", case["year"]),
                ("定点医药机构", labels.with_code(case.get("fixmedins_name"),
                                                  case["fixmedins_code"])),
                ("参保人", case["psn_no"]),
                ("涉及金额（元）", case["amount"]),
                ("追回记账", case["recovery_txn_id"] or "—"),
                ("退回记账", case["refund_txn_id"] or "—"),
                ("生成", f"{case['created_by']} {beijing_text(case['created_at'])}")])
    trail = table(["时间", "操作人", "从", "到", "金额", "说明"], [
        (esc(beijing_text(e["at"])), esc(e["by"]), esc(labels.name("case_state", e["from_state"])),
         esc(labels.name("case_state", e["to_state"])), esc(e["amount"]), esc(e["note"]))
        for e in case["trail"]],
        (4,)) if case["trail"] else "<p class='note'>尚无处理记录。</p>"
    return (shown + section("案件", facts) + section("证据", _evidence(case))
            + section("处理", _actions(case, csrf)) + section("处理记录（谁、何时）", trail))
