"""The year report's sections on hospital payment, fund supervision, the fund analysis, next
year's budget and the actuarial projection, as HTML.

They render the blocks the year job writes into `indicators.json` (`drg`, `audit`, `fund`,
`budget`, `projection`, and the cross-region rates and `offsite_flows`): a job
assembles the data, this module only shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from html import escape
from typing import Any, Final

from yibao.core import labels
from yibao.indicators.charts import (
    bar_chart,
    hbar_chart,
    heat_map,
    line_chart,
    projection_chart,
)
from yibao.indicators.offsite import REACH_NAMES, TARGET, Reach
from yibao.indicators.render import show

TOP_HOSPITALS: Final = 20
TOP_ROWS: Final = 15
PATTERN_NAMES: Final = {
    "split_admission": "分解住院", "phantom_bed": "挂床住院", "upcoding": "高套编码",
    "duplicate_charge": "重复收费", "restricted_item": "限制性项目", "over_quantity": "超量开药",
    "swapped_item": "串换项目", "low_threshold_admission": "低标准入院",
    "after_death": "死亡后结算", "ring": "医患合谋团伙",
}


def _method_section(rows: list[dict[str, Any]], per_diem_after_days: int) -> str:
    total = sum((r["budget"] for r in rows), Decimal(0))
    body = "".join(
        f"<tr><td>{r['name']}</td><td class='num'>{r['units']:,}</td>"
        f"<td class='num'>{show(r['budget'], 'yuan')}</td>"
        f"<td class='num'>{show(r['budget'] / total if total else Decimal(0), 'ratio')}</td>"
        f"<td class='num'>{show(r['paid'], 'yuan')}</td></tr>" for r in rows)
    note = ("<p class='note'>区域总额预算按各支付方式本年统筹基金实际支出中性划分；住院超过 "
            f"{per_diem_after_days} 天按床日付费，乡镇卫生院居民普通门诊按家庭医生签约人头付费，"
            "其余门诊按项目付费。</p>")
    return ("<table><thead><tr><th>支付方式</th><th>病例/人数/人次</th><th>预算</th>"
            f"<th>占比</th><th>拨付</th></tr></thead><tbody>{body}</tbody></table>{note}")


def drg_sections(summary: dict[str, Any], drg_share: Decimal, per_diem_after_days: int
                 ) -> list[tuple[str, str]]:
    """Sections of the payment block (`summary`, indicators.json's `drg`): the budget by method,
    CMI and fund amount by hospital, point value, grouping evaluation."""
    top = sorted(summary["hospitals"], key=lambda h: -h["amount"])[:TOP_HOSPITALS]
    chart = hbar_chart("各医院 CMI（病例组合指数）", [h["name"] for h in top],
                       [h["cmi"] or Decimal(0) for h in top])
    rows = "".join(
        f"<tr><td>{escape(h['name'])}<br><small>{h['hospital']}</small></td>"
        f"<td class='num'>{h['cases']:,}</td>"
        f"<td class='num'>{h['cmi']}</td><td class='num'>{h['points']:,.4f}</td>"
        f"<td class='num'>{show(h['amount'], 'yuan')}</td></tr>" for h in top)
    table = ("<table><thead><tr><th>医院</th><th>病例</th><th>CMI</th><th>点数</th>"
             f"<th>DRG 基金拨付</th></tr></thead><tbody>{rows}</tbody></table>")
    head = (f"<p>DRG 基金预算 {show(summary['budget'], 'yuan')}，总点数 "
            f"{summary['total_points']:,.4f}，点值 {summary['point_value']} 元/点；"
            f"本地住院 {summary['cases']:,} 例按点数法付费，占全部住院费用 "
            f"{show(drg_share, 'ratio')}。</p>")
    riv, rates = summary["riv"], summary["rates"]
    quality = (f"<p>入组率 {rates.get('grouping_rate', 0):.2%}；"
               f"RIV（未截尾）{riv['untrimmed']:.4f}，（截尾）{riv['trimmed']:.4f}；"
               f"变异系数 ≥ 1 的组 {summary['groups_cv_at_least_1']} 个；细分组费用有差异的 ADRG "
               f"{summary['splits_separating']}/{summary['splits']} 个。</p>")
    return [("区域总额预算与支付方式", _method_section(summary["methods"], per_diem_after_days)),
            ("DRG 结合点数法付费", head + chart + table), ("DRG 分组效能评价", quality)]


def _table(head: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
                    for row in rows)
    titles = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{titles}</tr></thead><tbody>{cells}</tbody></table>"


def _evaluation(block: dict[str, Any]) -> str:
    rules = [(PATTERN_NAMES.get(p, p), f"{m['recall']:.3f}", f"{m['precision']:.3f}")
             for p, m in sorted(block["rules"].items())]
    d = block["detectors"]
    detectors = [("有监督（同级同类比较 + 逻辑回归）", f"{d['provider_auc']:.3f}",
                  f"{d['auprc']:.3f}", f"{d['precision_at_capacity']:.3f}")]
    u = d.get("unsupervised")
    if u:
        detectors.append(("无监督（同级同类比较）", f"{u['provider_auc']:.3f}", f"{u['auprc']:.3f}",
                          f"{u['precision_at_capacity']:.3f}"))
    return (_table(("违规模式", "召回率", "精确率"), rules)
            + _table(("检测器", "机构 AUC", "AUPRC", "前 5% 精确率"), detectors))


def audit_sections(block: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """Sections of the supervision block (indicators.json's `audit`): hits by rule and
    institution, recoveries, suspicious providers, the evaluation; `names`: code → name."""
    top_rules = block["hits_by_rule"][:TOP_ROWS]
    chart = hbar_chart("规则命中（前 15）", [f"{r['rule_id']} {r['name']}" for r in top_rules],
                       [Decimal(r["hits"]) for r in top_rules], decimals=0)
    money = [(names.get(r["fixmedins_code"], r["fixmedins_code"]), r["cases"],
              show(r["amount"], "yuan")) for r in block["recoveries"][:TOP_ROWS]]
    providers = [(names.get(p["fixmedins_code"], p["fixmedins_code"]), f"{p['score']:.3f}",
                  "是" if p["abusive"] else "否", p["why"]) for p in block["top_providers"]]
    head = (f"<p>规则命中 {block['hits_total']:,} 次；违规类命中视为查实，应追回 "
            f"{show(block['recovered_total'], 'yuan')}。</p>")
    return [
        ("基金监管：规则命中", head + chart),
        ("基金监管：按机构追回金额", _table(("机构", "查实案件", "追回金额"), money)),
        ("基金监管：可疑机构（前 10）", _table(("机构", "评分", "标注为违规机构", "依据"),
                                           providers)),
        ("基金监管：评估（对照注入的违规标签）", _evaluation(block)),
    ]


def _fund_year_table(funds: dict[str, Any], names: dict[str, str]) -> str:
    rows = [(names.get(code, code), y["balance_open"], y["income"], y["expenditure"],
             y["balance_close"], y["current_ratio"] or "—", y["months_payable"] or "—",
             labels.name("fund_level", y["level"]) if y["level"] else "—")
            for code, y in ((code, fund["year"]) for code, fund in funds.items())]
    return _table(("基金", "期初结余（元）", "收入（元）", "支出（元）", "期末结余（元）",
                   "当期收支率", "可支付月数", "等级"), rows)


def fund_sections(block: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """Sections of the fund analysis (indicators.json's `fund`, the document of `yibao fund
    analyze`): each fund's year, the monthly income, expenditure and balance of the funds that
    moved, and the risk warnings; `names`: account code → zh-CN name."""
    funds = block["funds"]
    moving = {code: fund for code, fund in funds.items()
              if any(m["income"] != "0.00" or m["expenditure"] != "0.00" for m in fund["months"])}
    months = [m["month"][5:] + "月" for m in next(iter(funds.values()))["months"]]
    charts = "".join(
        f"<h3>{escape(names.get(code, code))}</h3>"
        + bar_chart(f"{names.get(code, code)}：按月收入与支出", months, {
            "收入": [Decimal(m["income"]) for m in fund["months"]],
            "支出": [Decimal(m["expenditure"]) for m in fund["months"]]})
        + line_chart(f"{names.get(code, code)}：月末累计结余", months, {
            "月末累计结余": [Decimal(m["balance"]) for m in fund["months"]]})
        for code, fund in moving.items())
    warnings = [(names.get(w["fund"], w["fund"]), labels.name("fund_level", w["level"]),
                 labels.name("fund_indicator", w["indicator"]), w["value"] or "—", w["message"])
                for w in block["warnings"]]
    note = ("<p class='note'>由账本计算（yibao fund analyze）：当期收支率 = 支出 ÷ 收入；"
            "累计结余可支付月数 = 期末结余 ÷ 近 12 个月月均支出；阈值见 docs/fund-analysis.md。"
            "</p>")
    told = (_table(("基金", "等级", "指标", "值", "说明"), warnings) if warnings
            else "<p class='met'>各基金运行指标均在合理区间，无风险预警。</p>")
    return [("基金运行分析：年度", _fund_year_table(funds, names) + note),
            ("基金运行分析：按月收支与结余", charts or "<p class='note'>本年各基金无收支。</p>"),
            ("基金运行风险预警", told)]


def _ages(bands: list[int], low: int) -> str:
    index = bands.index(low)
    return f"{low}–{bands[index + 1] - 1} 岁" if index + 1 < len(bands) else f"{low} 岁以上"


def _yuan(amount: str | Decimal) -> str:
    """Exact yuan with thousands separators (a budget is read to the fen)."""
    return f"{Decimal(amount):,}"


def _yuan_sum(amounts: dict[str, str]) -> str:
    return _yuan(sum((Decimal(v) for v in amounts.values()), Decimal(0)))


def budget_sections(doc: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """The section of next year's budget (indicators.json's `budget`, the document of `yibao
    fund budget --json`): insured by group and age band, each expenditure line with its
    factors, the income lines, the totals per fund and the regional DRG global budget."""
    year, bands = doc["year"], doc["bands"]
    insured = _table(("人群", "年龄组", f"{year - 1} 年参保", f"{year} 年预计"), [
        (labels.name("psn_type", i["group"]), _ages(bands, i["band"]),
         f"{Decimal(i['now']):,.0f}", f"{Decimal(i['next']):,.0f}") for i in doc["insured"]])
    f = doc["flows"]
    flows = (f"<p>预计死亡 {Decimal(f['deaths']):,.0f} 人，出生 {Decimal(f['births']):,.0f} 人，"
             f"净迁移 {Decimal(f['migration']):,.0f} 人，退休 {Decimal(f['retirements']):,.0f} 人，"
             f"新参加职工医保 {Decimal(f['entrants']):,.0f} 人。</p>")
    spending = _table(
        ("险种·待遇·等级", "就诊人次", "预计人次", "次均费用（元）", "预计次均（元）",
         "基金支付（元）", "年龄结构因子", "就诊率趋势", "费用趋势", "预算（元）"),
        [(labels.budget_line(e["scheme"], e["benefit"], e["level"]), f"{e['visits_now']:,}",
          f"{Decimal(e['visits_next']):,.0f}", _yuan(e["cost_per_visit_now"]),
          _yuan(e["cost_per_visit_next"]),
          _yuan_sum(e["now"]), e["age_factor"], e["utilisation_trend"], e["cost_trend"],
          _yuan_sum(e["next"])) for e in doc["expenditure"]])
    income = _table(("基金", "项目", "依据", f"{year - 1} 年（元）", f"{year} 年预算（元）"), [
        (names.get(i["fund"], i["fund"]), i["item"], i["basis"], _yuan(i["now"]), _yuan(i["next"]))
        for i in doc["income"]])
    totals = _table(("基金", "收入（元）", "支出（元）", "当期结余（元）"), [
        (names.get(fund, fund), _yuan(t["income"]), _yuan(t["expenditure"]),
         _yuan(t["balance"])) for fund, t in doc["funds"].items()])
    drg = (f"<p>区域总额预算（DRG 付费部分）：<b>{show(Decimal(doc['drg_budget']), 'yuan')}</b>"
           f"（{doc['drg_budget']} 元；本地 60 天以内住院的统筹基金支付 × 各行因子），"
           f"即 {year} 年 yibao drg pay --budget 的预算。</p>")
    note = ("<p class='note'>由 yibao fund budget 的同一计算得出（基年为本报告的结算年度，"
            "预算年度政策为内置政策，情景为默认情景）：基金支出 = 本年支付 × 年龄结构因子 × "
            "就诊率趋势 × 费用趋势；大额、公务员补助与医疗救助的筹资不在本预算的收入中。"
            "算法见 docs/fund.md。</p>")
    return [(f"下一年度基金预算（{year} 年）",
             "<h3>一、参保人数</h3>" + insured + flows
             + "<h3>二、基金支出 = 本年支付 × 年龄结构因子 × 就诊率趋势 × 费用趋势</h3>"
             + spending + "<h3>三、基金收入：参保人数 × 缴费标准（预算年度政策）</h3>" + income
             + f"<h3>四、{year} 年预算汇总</h3>" + totals + "<h3>五、区域总额预算</h3>" + drg
             + note)]


def projection_svg(doc: dict[str, Any], names: dict[str, str]) -> str:
    """The closing balance of each fund by year from a projection's document (`yibao fund
    project --json`)."""
    funds: dict[str, Any] = doc["funds"]
    years = [int(y["year"]) for y in next(iter(funds.values()))["years"]]
    balances = {names.get(fund, fund): [Decimal(y["balance_close"]) for y in data["years"]]
                for fund, data in funds.items()}
    return projection_chart(f"基金累计结余预测（{doc['scenario']}）", years, balances)


def projection_sections(doc: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """The section of the actuarial projection (indicators.json's `projection`, the document of
    `yibao fund project --json`): the chart of each fund's closing balance, the first year a
    fund would be exhausted, each fund's balance, months payable and level by year."""
    funds = doc["funds"]
    told = "".join(
        f"<li>{escape(names.get(fund, fund))}："
        + (f"<b class='unmet'>{data['exhausted']} 年累计结余转负（基金耗尽）</b>"
           if data.get("exhausted") else "预测期内累计结余未转负") + "</li>"
        for fund, data in funds.items())
    rows = [(names.get(fund, fund), y["year"], show(Decimal(y["income"]), "yuan"),
             show(Decimal(y["expenditure"]), "yuan"), show(Decimal(y["balance_close"]), "yuan"),
             y["months_payable"] or "—", labels.name("fund_level", y["level"]) or "—")
            for fund, data in funds.items() for y in data["years"]]
    last = funds[next(iter(funds))]["years"][-1]["year"]
    note = (f"<p class='note'>情景：{escape(doc['scenario'])}（yibao fund project 的默认情景，"
            f"基年 {doc['from']}，预测至 {last} 年）。<b class='unmet'>默认情景中含 [U] 占位值"
            "</b>——没有来源的示意数值（如职工人均费用与就诊率增长、婴儿以外的死亡率、迁移、职工新参保率、职工统筹"
            "与个人账户、大病保险、大额医疗费用补助、公务员医疗补助、医疗救助的期初结余月数，"
            "以及政策文件 [fund] 中大额医疗、公务员补助的筹资标准），"
            "见 src/yibao/actuary/scenario.toml 与 docs/fund.md；"
            "结果只可作示意，不可作为决策依据，需用本地数据的情景文件重算"
            "（yibao fund project --scenario）。</p>")
    return [("基金中长期精算",
             projection_svg(doc, names) + f"<ul>{told}</ul>" + note
             + _table(("基金", "年度", "收入", "支出", "期末累计结余", "可支付月数", "水平"),
                      rows))]


OFFSITE_TITLE: Final = "异地就医流向与直接结算率"


def _region(code: str, names: Mapping[str, str]) -> str:
    return f"{names[code]}（{code}）" if code in names else code


def _rate_cell(value: Any) -> str:
    if value is None:
        return "<td class='num'>—</td>"
    rate = Decimal(str(value))
    css = "met" if rate >= TARGET else "unmet"
    return f"<td class='num'><span class='{css}'>{show(rate, 'ratio')}</span></td>"


def offsite_rates_table(doc: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """Each insured region's two rates with their stays, and the total, against 70%."""
    entries = [(_region(code, names), part) for code, part in doc["regions"].items()]
    if len(entries) != 1:
        entries.append(("合计", doc))
    body = "".join(
        f"<tr><td>{escape(name)}</td>{_rate_cell(p['cross_province_direct_rate'])}"
        f"<td class='num'>{p['cross_province_direct_stays']:,} / {p['cross_province_stays']:,}"
        f"</td>{_rate_cell(p['in_province_direct_rate'])}"
        f"<td class='num'>{p['in_province_direct_stays']:,} / {p['in_province_stays']:,}</td>"
        "</tr>" for name, p in entries)
    return ("<table><thead><tr><th>参保地</th><th>住院医疗费用跨省直接结算率</th>"
            "<th>直接结算 / 跨省住院人次</th><th>住院医疗费用省内异地直接结算率</th>"
            "<th>直接结算 / 省内异地住院人次</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def offsite_matrix_table(flows: list[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    """The flow table: one row per insured region → care region, counts and yuan."""
    numbers = ("结算人次", "直接结算", "零星报销", "住院人次", "医疗费用（元）", "基金支付（元）",
               "个人账户支付（元）")
    head = "".join(f"<th>{h}</th>" for h in ("参保地", "就医地", "类别")) + "".join(
        f"<th class='num'>{h}</th>" for h in numbers)
    body = "".join(
        f"<tr><td>{escape(_region(f['insured_region'], names))}</td>"
        f"<td>{escape(_region(f['care_region'], names))}</td>"
        f"<td>{REACH_NAMES[Reach(f['reach'])]}</td>"
        + "".join(f"<td class='num'>{f[k]:,}</td>"
                  for k in ("settlements", "direct", "manual", "inpatient"))
        + "".join(f"<td class='num'>{Decimal(str(f[k])):,.2f}</td>"
                  for k in ("medfee", "fund", "acct")) + "</tr>" for f in flows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def offsite_chart(flows: list[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    """The heat map of settlements from each insured region (rows) to each care region."""
    insured = sorted({f["insured_region"] for f in flows})
    care = sorted({f["care_region"] for f in flows})
    values = {(_region(f["insured_region"], names), _region(f["care_region"], names)):
              Decimal(f["settlements"]) for f in flows}
    return heat_map("异地就医流向（结算人次：参保地 → 就医地）",
                    [_region(c, names) for c in insured], [_region(c, names) for c in care],
                    values, corner="参保地 → 就医地")


def offsite_sections(doc: Mapping[str, Any], names: Mapping[str, str] | None = None
                     ) -> list[tuple[str, str]]:
    """The section "异地就医流向与直接结算率" from the block `offsite_indicators` gives (the
    rates at the top level and under `regions`, the matrix `offsite_flows`); `names`: region
    code → name."""
    names = names or {}
    flows = list(doc["offsite_flows"])
    note = ("<p class='note'>住院医疗费用跨省（省内异地）直接结算率 = 参保人跨省（省内其他统筹区）"
            "住院直接结算人次 ÷ 跨省（省内异地）住院总人次（直接结算 + 零星报销），"
            "不含门诊；无此类住院时为 —。目标：2025 年 70% 以上（四川省、邻水县“十四五”"
            "医疗保障规划）。见 docs/offsite.md。</p>")
    matrix = (offsite_chart(flows, names) + offsite_matrix_table(flows, names)) if flows \
        else "<p class='note'>本年没有异地就医结算。</p>"
    return [(OFFSITE_TITLE, offsite_rates_table(doc, names) + note + matrix)]



#: The money columns of a month's clearing summed over its pairs (`yibao year` on a deployment).
CLEARING_SUMS: Final = ("fund_amount", "reversed_amount", "due")
CLEARING_TITLE: Final = "异地就医月度清算与预付金"


def clearing_sections(block: Mapping[str, Any], names: Mapping[str, str] | None = None
                      ) -> list[tuple[str, str]]:
    """The section "异地就医月度清算与预付金" of a deployment's year: each month's clearing
    summed over its (care region, insured region) pairs — settlements, fund amount, reversals
    netted, amount due — as a chart and a table, and each pair's prepayment (预付金) after its
    last clearing of the year. `block`: the year job's `clearing` (months, prepayments)."""
    names = names or {}
    months = list(block.get("months", []))
    if not months:
        return [(CLEARING_TITLE, "<p class='note'>本年未清算。</p>")]
    labels = {"fund_amount": "清算基金金额", "reversed_amount": "冲销",
              "due": "应付（含预付金调整）"}
    chart = bar_chart("每月清算金额（万元）", [m["month"][5:] + "月" for m in months],
                      {labels[k]: [Decimal(m[k]) for m in months] for k in CLEARING_SUMS})
    table = _table(("月份", "统筹区对", "结算人次", *labels.values(), "净额合计"),
                   [(m["month"], m["pairs"], f"{m['settlements']:,}",
                     *(_yuan(m[k]) for k in CLEARING_SUMS), m["net"]) for m in months])
    prepaid = _table(("就医地", "参保地", "预付金余额"),
                     [(_region(p["care_region"], names), _region(p["insured_region"], names),
                       _yuan(p["prepayment"])) for p in block.get("prepayments", [])])
    note = ("<p class='note'>先预付后清算：参保地按上年月均异地基金支付的政策倍数（[filing] "
            "prepayment_months）在就医地保留预付金；每月按统筹区对清算当月直接结算的基金部分，"
            "冲销在其发生月份扣减，应付 = 清算净额 + 预付金调整。每月各统筹区净额合计为 0.00。"
            "跨省统筹区对经国家清算文件（yibao offsite export / import）清算。"
            "见 docs/offsite.md。</p>")
    return [(CLEARING_TITLE, chart + table + note + "<h3>预付金（年末）</h3>" + prepaid)]
