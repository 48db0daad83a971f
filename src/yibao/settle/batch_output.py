"""Batch results as the answers of docs/settlement.md §4, the same as the scalar engine's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from yibao.core.money import from_fen
from yibao.policy.model import ASSISTANCE_ORDER, Policy
from yibao.settle.batch import NO_ROOM, BatchResult
from yibao.settle.engine import serious_illness_claim
from yibao.settle.model import (
    FUND_ASSISTANCE,
    FUND_CIVIL_SERVANT,
    FUND_EMPLOYEE_POOL,
    FUND_LARGE_EXPENSE,
    FUND_RESIDENT_POOL,
    FUND_SERIOUS_ILLNESS,
    MONEY_FIELDS,
    YTD_KEYS,
    FundDetail,
    SettleRequest,
)
from yibao.settle.trace import pct, pooling_info, room_text, simple_info


class _Row:
    """Read one request's values out of a `BatchResult` as Decimal yuan."""

    def __init__(self, result: BatchResult, index: int) -> None:
        self.result, self.index = result, index

    def fen(self, name: str) -> int:
        return int(self.result.values[name][self.index])

    def yuan(self, name: str) -> Decimal:
        return from_fen(self.fen(name))

    def room(self, name: str) -> Decimal | None:
        value = self.fen(name)
        return None if value == NO_ROOM else from_fen(value)


def _details(req: SettleRequest, policy: Policy, row: _Row) -> list[FundDetail]:
    rows: list[FundDetail] = []
    employee = req.person.insutype == "310"
    if row.fen("hifp_pay") > 0:
        room = row.yuan("pool_room")
        ratio = Decimal(row.fen("pool_prop_selfpay")).scaleb(-4)
        rows.append(FundDetail(
            FUND_EMPLOYEE_POOL if employee else FUND_RESIDENT_POOL,
            row.yuan("inscp_scp_amt") - row.yuan("act_pay_dedc"), room, row.yuan("hifp_pay"),
            pooling_info(row.yuan("act_pay_dedc"), ratio, room)))
    if row.fen("hifob_pay") > 0 and policy.large_expense:
        room = row.yuan("le_room")
        rows.append(FundDetail(FUND_LARGE_EXPENSE, row.yuan("over_cap"), room,
                               row.yuan("hifob_pay"),
                               simple_info("统筹封顶线以上", policy.large_expense.ratio, room)))
    if row.fen("hifmi_pay") > 0 and policy.serious_illness:
        rows.append(_serious_illness_detail(req, policy, row))
    if row.fen("cvlserv_pay") > 0 and policy.civil_servant:
        room = row.yuan("cs_room")
        rows.append(FundDetail(FUND_CIVIL_SERVANT, row.yuan("cs_base"), room,
                               row.yuan("cvlserv_pay"),
                               simple_info("基本医保后政策内自付",
                                           policy.civil_servant.ratio, room)))
    if row.fen("maf_pay") > 0:
        rows.append(_assistance_detail(policy, row))
    return rows


def _serious_illness_detail(req: SettleRequest, policy: Policy, row: _Row) -> FundDetail:
    si = policy.serious_illness
    assert si is not None
    eligible = row.yuan("si_eligible")
    after = from_fen(int(row.result.ytd_after[row.index, YTD_KEYS.index("si_base")]))
    _, threshold, _, info = serious_illness_claim(si, req.person.groups, after - eligible,
                                                  eligible)
    text = f"大病起付线{threshold:.2f}，年度累计{after - eligible:.2f}→{after:.2f}：{info}"
    return FundDetail(FUND_SERIOUS_ILLNESS, eligible, row.room("si_room"),
                      row.yuan("hifmi_pay"), text)


def _assistance_detail(policy: Policy, row: _Row) -> FundDetail:
    group = ASSISTANCE_ORDER[row.fen("aid_group")]
    aid = dict(policy.assistance)[group]
    used, room = row.yuan("maf_dedc"), row.yuan("maf_room")
    remaining = row.yuan("cs_base") - row.yuan("hifmi_pay") - row.yuan("cvlserv_pay")
    text = f"救助人群{group}，救助起付{used:.2f}，比例{pct(aid.ratio)}，{room_text(room)}"
    return FundDetail(FUND_ASSISTANCE, remaining - used, room, row.yuan("maf_pay"), text)


def documents(
    requests: Sequence[SettleRequest], policies: Sequence[Policy], result: BatchResult
) -> Iterator[dict[str, object]]:
    """One output document per request, in order, as `SettleResult.to_json` would give."""
    for index, req in enumerate(requests):
        row = _Row(result, index)
        doc: dict[str, object] = {
            "setl_id": req.setl_id or f"S{req.visit.mdtrt_id}", "mdtrt_id": req.visit.mdtrt_id,
            "psn_no": req.person.psn_no, "insutype": req.person.insutype,
            "med_type": req.visit.med_type,
        }
        for name in MONEY_FIELDS:
            doc[name] = f"{row.yuan(name):.2f}"
            if name == "hifp_pay":
                ratio = Decimal(row.fen("pool_prop_selfpay")).scaleb(-4).normalize()
                doc["pool_prop_selfpay"] = format(ratio, "f")
        doc["setldetail"] = [d.to_json() for d in _details(req, policies[index], row)]
        after = result.ytd_after[index]
        doc["ytd_after"] = {key: int(after[0]) if key == "admissions" else
                            f"{from_fen(int(after[i])):.2f}" for i, key in enumerate(YTD_KEYS)}
        yield doc
