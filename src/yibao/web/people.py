"""Person lookup, a person's page (enrollment, accumulators, settlements) and the settlement
page that explains every yuan with the engine's trace."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from yibao.core import labels
from yibao.services.browse import PersonFilter
from yibao.web import columns
from yibao.web.html import esc, kv, link, path, section, table

BUCKETS: Final = (("fulamt_ownpay_amt", "全自费", "#b3261e"),
                  ("overlmt_selfpay", "超限价", "#e8833a"),
                  ("preselfpay_amt", "乙类先行自付", "#f2c14e"),
                  ("inscp_scp_amt", "政策范围内", "#1f77b4"))
PAYERS: Final = (("hifp_pay", "基本医保统筹基金"), ("hifob_pay", "职工大额医疗费用补助"),
                 ("hifmi_pay", "城乡居民大病保险"), ("cvlserv_pay", "公务员医疗补助"),
                 ("maf_pay", "医疗救助"), ("cmi_pay", "惠民保"), ("acct_pay", "个人账户"),
                 ("acct_mulaid_pay", "家庭共济账户"), ("psn_cash_pay", "个人现金"))
YTD_NAMES: Final = {"admissions": "住院次数", "hifp_paid": "统筹基金已付",
                    "op_hifp_paid": "门诊统筹已付", "op_dedc_used": "门诊起付线已用",
                    "si_base": "大病保险累计基数", "hifmi_paid": "大病保险已付",
                    "hifob_paid": "大额补助已付", "cvlserv_paid": "公务员补助已付",
                    "maf_dedc_used": "救助起付线已用", "maf_paid": "医疗救助已付",
                    "matn_op_paid": "产前检查已付", "cmi_dedc_used": "惠民保免赔额已用",
                    "cmi_paid": "惠民保已付"}
#: The per-disease 门诊慢特病 accumulators, shown by disease code.
OPSP_NAMES: Final = {"opsp_paid": "慢特病已付", "opsp_dedc_used": "慢特病起付线已用"}


FILTERS: Final = (("insutype", "险种", labels.INSUTYPE),
                  ("psn_type", "人员类别", labels.PSN_TYPE),
                  ("status", "参保状态", labels.ENROLL_STATUS),
                  ("group", "救助类别", labels.ASSISTANCE_GROUP))


def _select(name: str, label: str, choices: dict[str, str] | Any, picked: str | None) -> str:
    options = "".join(f"<option value='{esc(v)}'{' selected' if v == picked else ''}>{esc(n)}"
                      "</option>" for v, n in [("", f"全部{label}"), *choices.items()])
    return f"<select name='{name}' aria-label='{esc(label)}'>{options}</select>"


def search_form(wanted: PersonFilter) -> str:
    picks = " ".join(_select(n, label, choices, getattr(wanted, n))
                     for n, label, choices in FILTERS)
    year = "" if wanted.year is None else str(wanted.year)
    return ("<section><form method='get' action='/console/persons' class='filters'>"
            f"<input name='q' value='{esc(wanted.q)}' placeholder='姓名或身份证号（可输前几位）' "
            "maxlength='64' aria-label='姓名或身份证号'> " + picks +
            f" <input name='year' value='{esc(year)}' placeholder='参保年度' size='6' "
            "inputmode='numeric' aria-label='参保年度'> <button type='submit'>查询</button>"
            "</form></section>")


def person_rows(items: Sequence[dict[str, Any]]) -> str:
    if not items:
        return "<p class='note'>管辖范围内没有匹配的参保人。</p>"
    return columns.html_table(columns.PERSONS, items)


def _accumulators(accs: Sequence[tuple[dict[str, Any], Any]]) -> str:
    rows = []
    for enrollment, found in accs:
        label = f"{labels.name('insutype', enrollment['scheme'])} {enrollment['year']}"
        if found is None:
            rows.append((esc(label), "<span class='note'>本年尚无结算</span>"))
            continue
        ytd, version = found
        parts = "；".join([f"{YTD_NAMES.get(k, k)} {getattr(ytd, k)}" for k in YTD_NAMES] + [
            f"{name}（{code}）{value}" for key, name in OPSP_NAMES.items()
            for code, value in getattr(ytd, key)])
        rows.append((esc(label), esc(f"{parts}（版本 {version}）")))
    return table(["险种与年度", "年度累计"], rows) if rows else "<p class='note'>无</p>"


def person_body(person: dict[str, Any], accs: Sequence[tuple[dict[str, Any], Any]],
                settlements: Sequence[dict[str, Any]]) -> str:
    facts = kv([("身份证号", person["id_number"]), ("姓名", person["name"]),
                ("性别", labels.name("sex", person["sex"])), ("出生日期", person["birth_date"]),
                ("户籍区划", person["region"]), ("家庭", person["household_id"]),
                ("救助类别", labels.names("assistance_group", person["groups"])),
                ("公务员", "是" if person["civil_servant"] else "否")])
    heads = ["险种", "统筹区", "年度", "参保状态", "人员类别", "参保日期", "待遇起始"]
    enrollments = table(heads, [
        (esc(labels.name("insutype", e["scheme"])), esc(e["region"]), esc(e["year"]),
         esc(labels.name("enroll_status", e["status"])),
         esc(labels.name("psn_type", e["psn_type"])), esc(e["start_date"]),
         esc(e["benefit_start"])) for e in person["enrollments"]])
    export = path("/console/export/settlements.xlsx") + f"?psn_no={person['id_number']}"
    setl = (columns.html_table(columns.SETTLEMENTS, settlements)
            + f"<p>{link(export, '导出 Excel')}</p>") if settlements else (
        "<p class='note'>管辖范围内没有结算。</p>")
    return (section("基本信息", facts) + section("参保登记", enrollments)
            + section("年度累计（累计器）", _accumulators(accs)) + section("结算", setl))


def _bar(result: dict[str, Any]) -> str:
    total = Decimal(str(result["medfee_sumamt"])) or Decimal(1)
    parts = "".join(
        f"<i style='width:{Decimal(str(result[k])) * 100 / total:.2f}%;background:{c}' "
        f"title='{n} {esc(result[k])}'></i>" for k, n, c in BUCKETS)
    legend = "".join(f"<span><i style='background:{c}'></i>{n} {esc(result[k])}</span>"
                     for k, n, c in BUCKETS)
    return f"<div class='buckets'>{parts}</div><div class='legend'>{legend}</div>"


def _buckets(result: dict[str, Any]) -> str:
    rows = [(esc(n), esc(result[k])) for k, n, _ in BUCKETS]
    rows.append(("<b>合计 = 总费用</b>", f"<b>{esc(result['medfee_sumamt'])}</b>"))
    rows.append((esc("其中政策范围内的起付线（个人付）"), esc(result["act_pay_dedc"])))
    return _bar(result) + table(["费用分段", "金额（元）"], rows, (1,))


def _details(result: dict[str, Any]) -> str:
    rows = [(esc(labels.name("fund_pay_type", d["fund_pay_type"])),
             esc(d["inscp_scp_amt"]), esc(d.get("crt_payb_lmt_amt") or "—"),
             esc(d["fund_payamt"]), esc(d["setl_proc_info"])) for d in result["setldetail"]]
    return table(["基金", "计算基数", "限额剩余", "支付", "计算过程（setl_proc_info）"], rows,
                 (1, 2, 3))


def _payers(result: dict[str, Any]) -> str:
    """Who paid the bill; a result stored before the benefits fields existed lacks them (0)."""
    rows = [(esc(n), esc(result.get(k, "0.00"))) for k, n in PAYERS]
    paid = sum(Decimal(str(result.get(k, "0"))) for k, _ in PAYERS)
    rows.append(("<b>合计</b>", f"<b>{esc(paid)}</b>"))
    check = "" if paid == Decimal(str(result["medfee_sumamt"])) else (
        "<p class='error'>各方支付之和与总费用不符</p>")
    extra = []
    if result.get("matn_alwn_amt", "0.00") != "0.00":
        extra.append(f"生育津贴 {result['matn_alwn_days']} 天 {result['matn_alwn_amt']} 元，"
                     "由生育保险另行支付给本人，不计入本次结算。")
    if result.get("long_rx"):
        extra.append(f"长期处方标记：明细 {'、'.join(result['long_rx'])}（供审核，不影响金额）。")
    if result.get("opsp_uncovered_amt", "0.00") != "0.00":
        extra.append(f"门诊慢特病非认定病种费用 {result['opsp_uncovered_amt']} 元，已计入全自费。")
    notes = "".join(f"<p class='note'>{esc(text)}</p>" for text in extra)
    return table(["谁付", "金额（元）"], rows, (1,)) + check + notes


def settlement_body(doc: dict[str, Any], institution: str | None = None) -> str:
    result = doc["result"]
    facts = kv([("结算ID", doc["setl_id"]), ("就诊ID", doc["mdtrt_id"]),
                ("定点医药机构", labels.with_code(institution, doc["fixmedins_code"])),
                ("参保地", doc["region"]), ("年度", doc["year"]),
                ("结算时间", doc.get("setl_time") or "—"),
                ("险种", labels.name("insutype", result["insutype"])),
                ("医疗类别", labels.name("med_type", result["med_type"])),
                ("提交序号", doc["commit_seq"]), ("冲销号", doc["reversal_id"] or "未冲销")])
    who = link(path("/console/persons", result["psn_no"]), f"参保人 {result['psn_no']}")
    return (section("结算", facts + f"<p>{who}</p>")
            + section("费用分段：每一元属于哪一段", _buckets(result))
            + section("基金支付明细（setldetail）", _details(result))
            + section("谁付了多少", _payers(result)))
