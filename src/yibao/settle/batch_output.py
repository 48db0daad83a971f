"""Batch results as the answers of docs/settlement.md §4, the same as the scalar engine's."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Final

import polars as pl

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


#: A settlement's `setldetail` lines, in order: (amount field, fund; "" = the scheme's pool,
#: base field, room field) of the batch values (`BatchResult`). A line appears when its fund
#: paid; its room is None where the value is NO_ROOM.
DETAIL_LINES: Final = (
    ("hifp_pay", "", "pool_base", "pool_room"),
    ("hifob_pay", FUND_LARGE_EXPENSE, "over_cap", "le_room"),
    ("hifmi_pay", FUND_SERIOUS_ILLNESS, "si_eligible", "si_room"),
    ("cvlserv_pay", FUND_CIVIL_SERVANT, "cs_base", "cs_room"),
    ("maf_pay", FUND_ASSISTANCE, "maf_base", "maf_room"),
)


def _pool_info(_req: SettleRequest, _policy: Policy, row: _Row) -> str:
    ratio = Decimal(row.fen("pool_prop_selfpay")).scaleb(-4)
    return pooling_info(row.yuan("act_pay_dedc"), ratio, row.yuan("pool_room"))


def _large_expense_info(_req: SettleRequest, policy: Policy, row: _Row) -> str:
    assert policy.large_expense is not None
    return simple_info("统筹封顶线以上", policy.large_expense.ratio, row.yuan("le_room"))


def _serious_illness_info(req: SettleRequest, policy: Policy, row: _Row) -> str:
    si = policy.serious_illness
    assert si is not None
    eligible = row.yuan("si_eligible")
    after = from_fen(int(row.result.ytd_after[row.index, YTD_KEYS.index("si_base")]))
    _, threshold, _, info = serious_illness_claim(si, req.person.groups, after - eligible,
                                                  eligible)
    return f"大病起付线{threshold:.2f}，年度累计{after - eligible:.2f}→{after:.2f}：{info}"


def _civil_servant_info(_req: SettleRequest, policy: Policy, row: _Row) -> str:
    assert policy.civil_servant is not None
    return simple_info("基本医保后政策内自付", policy.civil_servant.ratio, row.yuan("cs_room"))


def _assistance_info(_req: SettleRequest, policy: Policy, row: _Row) -> str:
    group = ASSISTANCE_ORDER[row.fen("aid_group")]
    aid = dict(policy.assistance)[group]
    used, room = row.yuan("maf_dedc"), row.yuan("maf_room")
    return f"救助人群{group}，救助起付{used:.2f}，比例{pct(aid.ratio)}，{room_text(room)}"


#: Each fund's explanation (`setl_proc_info`), by amount field.
_INFO: Final[dict[str, Callable[[SettleRequest, Policy, _Row], str]]] = {
    "hifp_pay": _pool_info, "hifob_pay": _large_expense_info,
    "hifmi_pay": _serious_illness_info, "cvlserv_pay": _civil_servant_info,
    "maf_pay": _assistance_info}


def _details(req: SettleRequest, policy: Policy, row: _Row) -> list[FundDetail]:
    scheme_pool = FUND_EMPLOYEE_POOL if req.person.insutype == "310" else FUND_RESIDENT_POOL
    return [FundDetail(fund or scheme_pool, row.yuan(base), row.room(room), row.yuan(amount),
                       _INFO[amount](req, policy, row))
            for amount, fund, base, room in DETAIL_LINES if row.fen(amount) > 0]


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


# ---------- the columnar forms (the year job's bulk load) ----------

#: `setl_proc_info` of a detail row written by the year job's bulk load.
BULK_DETAIL_INFO: Final = "年度批量结算（yibao year）"


def detail_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """`setldetail` rows over columns, `_details` without the explanation: a frame of settled
    requests (`setl_id`, `scheme` and the batch values) → one row per fund paying, in order,
    amounts in fen: `setl_id, row_no, fund_pay_type, inscp_scp_amt_fen, crt_payb_lmt_amt_fen,
    fund_payamt_fen, setl_proc_info` (`BULK_DETAIL_INFO`)."""
    parts = []
    indexed = frame.with_row_index("seq")
    for line, (amount, fund, base, room) in enumerate(DETAIL_LINES):
        code = pl.lit(fund) if fund else pl.when(pl.col("scheme") == "310").then(
            pl.lit(FUND_EMPLOYEE_POOL)).otherwise(pl.lit(FUND_RESIDENT_POOL))
        parts.append(indexed.filter(pl.col(amount) > 0).select(
            "seq", pl.lit(line).alias("line"), "setl_id", code.alias("fund_pay_type"),
            pl.col(base).alias("inscp_scp_amt_fen"),
            pl.when(pl.col(room) == NO_ROOM).then(None).otherwise(pl.col(room))
            .alias("crt_payb_lmt_amt_fen"), pl.col(amount).alias("fund_payamt_fen")))
    rows = pl.concat(parts).sort("seq", "line")
    return rows.select(
        "setl_id", (pl.col("setl_id").cum_count().over("setl_id")).cast(pl.Int64)
        .alias("row_no"), "fund_pay_type", "inscp_scp_amt_fen", "crt_payb_lmt_amt_fen",
        "fund_payamt_fen", pl.lit(BULK_DETAIL_INFO).alias("setl_proc_info"))


def _yuan(fen: pl.Expr) -> pl.Expr:
    """`fmt` over a column of non-negative fen: yuan with two places."""
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.Utf8).str.zfill(2))


def ytd_json(prefix: str) -> pl.Expr:
    """`Ytd.to_json` as compact JSON text (keys in `YTD_KEYS` order, `json.dumps` with
    separators `,` and `:`), over the columns `<prefix><key>` of non-negative fen."""
    parts: list[pl.Expr] = []
    for index, key in enumerate(YTD_KEYS):
        column = pl.col(f"{prefix}{key}")
        parts += [pl.lit(("{" if index == 0 else ",") + f'"{key}":'),
                  column.cast(pl.Utf8) if key == "admissions"
                  else pl.concat_str([pl.lit('"'), _yuan(column), pl.lit('"')])]
    return pl.concat_str([*parts, pl.lit("}")])
