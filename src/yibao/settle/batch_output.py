"""Batch results as the answers of docs/settlement.md §4, the same as the scalar engine's."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Final

import polars as pl

from yibao.core.money import from_fen
from yibao.policy.model import ASSISTANCE_ORDER, CappedFund, Policy
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
    OPSP_KEYS,
    YTD_KEYS,
    FundDetail,
    SettleRequest,
)
from yibao.settle.params import UNBOUNDED, policy_arrays
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
            if name == "matn_alwn_amt":
                doc["matn_alwn_days"] = 0
            doc[name] = f"{row.yuan(name):.2f}"
            if name == "hifp_pay":
                ratio = Decimal(row.fen("pool_prop_selfpay")).scaleb(-4).normalize()
                doc["pool_prop_selfpay"] = format(ratio, "f")
            elif name == "opsp_uncovered_amt":
                doc["long_rx"] = []
            elif name == "acct_mulaid_pay":
                doc["acct_mulaid_balc"] = None
        doc["setldetail"] = [d.to_json() for d in _details(req, policies[index], row)]
        after = result.ytd_after[index]
        ytd: dict[str, object] = {
            key: int(after[0]) if key == "admissions" else f"{from_fen(int(after[i])):.2f}"
            for i, key in enumerate(YTD_KEYS)}
        doc["ytd_after"] = {**ytd, **{key: {} for key in OPSP_KEYS}}
        yield doc


# ---------- the columnar forms (the year job's bulk load) ----------

def _pct(e4: pl.Expr) -> pl.Expr:
    """`trace.pct` over a column of ratios in 10^-4: 7700 → "77%", 6250 → "62.5%"."""
    whole, part = (e4 // 100).cast(pl.Utf8), e4 % 100
    return pl.concat_str([pl.when(part == 0).then(whole).otherwise(pl.format(
        "{}.{}", whole, part.cast(pl.Utf8).str.zfill(2).str.strip_chars_end("0"))), pl.lit("%")])


def _ratio_text(e4: pl.Expr) -> pl.Expr:
    """`fmt_ratio` over a column of ratios in 10^-4: 7700 → "0.77", 10000 → "1"."""
    whole, part = (e4 // 10_000).cast(pl.Utf8), e4 % 10_000
    return pl.when(part == 0).then(whole).otherwise(pl.format(
        "{}.{}", whole, part.cast(pl.Utf8).str.zfill(4).str.strip_chars_end("0")))


def _room_text(fen: pl.Expr) -> pl.Expr:
    """`trace.room_text` over a column of fen (NO_ROOM: no annual limit)."""
    return pl.when(fen == NO_ROOM).then(pl.lit("不设年度限额")).otherwise(
        pl.concat_str([pl.lit("年度限额剩余"), _yuan(fen)]))


def _per_policy(policies: Sequence[Policy], text: Callable[[Policy], str | None]) -> pl.Expr:
    """A text of each request's policy (`policy` column, an index into `policies`)."""
    return pl.col("policy").replace_strict(
        {i: text(p) for i, p in enumerate(policies)}, default=None, return_dtype=pl.Utf8)


def _serious_illness_frame(frame: pl.DataFrame, policies: Sequence[Policy]) -> pl.Expr:
    """`_serious_illness_info` over columns (`si_threshold`, `si_add`, `si_eligible` and the
    accumulators after, `a_si_base`): each tier's overlap × ratio = part, as the scalar claim."""
    params = policy_arrays(policies)
    pi = frame["policy"].to_numpy()
    after = pl.col("a_si_base")
    before = after - pl.col("si_eligible")
    threshold = pl.col("si_threshold")
    tiers = []
    for tier in range(params.si_ratio.shape[1]):
        above = pl.lit(pl.Series(params.si_above[pi, tier]))
        nxt = pl.lit(pl.Series(params.si_above[pi, tier + 1]))
        low = threshold + above
        high = pl.when(nxt == UNBOUNDED).then(pl.lit(int(UNBOUNDED))).otherwise(threshold + nxt)
        overlap = pl.max_horizontal(pl.lit(0), pl.min_horizontal(after, high)
                                    - pl.max_horizontal(before, low))
        ratio = pl.min_horizontal(pl.lit(10_000), pl.lit(pl.Series(params.si_ratio[pi, tier]))
                                  + pl.col("si_add"))
        part = (overlap * ratio + 5_000) // 10_000
        tiers.append(pl.when(overlap > 0).then(pl.format(
            "{}×{}={}", _yuan(overlap), _pct(ratio), _yuan(part))))
    return pl.format("大病起付线{}，年度累计{}→{}：{}", _yuan(threshold), _yuan(before),
                     _yuan(after), pl.concat_str(tiers, separator="；", ignore_nulls=True))


def _assistance_text(policies: Sequence[Policy]) -> pl.Expr:
    """`_assistance_info` over columns: the group and its ratio by (policy, `aid_group`)."""
    key = pl.col("policy") * len(ASSISTANCE_ORDER) + pl.col("aid_group")
    named = [(i * len(ASSISTANCE_ORDER) + g, group, dict(p.assistance)[group])
             for i, p in enumerate(policies) for g, group in enumerate(ASSISTANCE_ORDER)
             if group in dict(p.assistance)]
    group = key.replace_strict({k: g for k, g, _ in named}, default=None, return_dtype=pl.Utf8)
    ratio = key.replace_strict({k: pct(aid.ratio) for k, _, aid in named}, default=None,
                               return_dtype=pl.Utf8)
    return pl.format("救助人群{}，救助起付{}，比例{}，{}", group, _yuan(pl.col("maf_dedc")),
                     ratio, _room_text(pl.col("maf_room")))


def _info_exprs(frame: pl.DataFrame, policies: Sequence[Policy]) -> dict[str, pl.Expr]:
    """Each fund's `setl_proc_info` over columns, as `_INFO` gives it for one request."""
    def simple(base: str, fund: Callable[[Policy], CappedFund | None], room: str) -> pl.Expr:
        head = _per_policy(policies, lambda p: None if (f := fund(p)) is None
                           else f"{base}按{pct(f.ratio)}支付，")
        return pl.concat_str([head, _room_text(pl.col(room))])

    return {
        "hifp_pay": pl.format("起付线{}，比例{}，{}", _yuan(pl.col("act_pay_dedc")),
                              _pct(pl.col("pool_prop_selfpay")),
                              _room_text(pl.col("pool_room"))),
        "hifob_pay": simple("统筹封顶线以上", lambda p: p.large_expense,
                            "le_room"),
        "hifmi_pay": _serious_illness_frame(frame, policies),
        "cvlserv_pay": simple("基本医保后政策内自付",
                              lambda p: p.civil_servant, "cs_room"),
        "maf_pay": _assistance_text(policies),
    }


def detail_frame(frame: pl.DataFrame, policies: Sequence[Policy]) -> pl.DataFrame:
    """`setldetail` rows over columns, as `_details` gives them: a frame of settled requests
    (`setl_id`, `scheme`, `policy` (an index into `policies`), the batch values and the
    accumulators after, `a_<key>`) → one row per fund paying, in order, amounts in fen:
    `setl_id, row_no, fund_pay_type, inscp_scp_amt_fen, crt_payb_lmt_amt_fen,
    fund_payamt_fen, setl_proc_info`."""
    parts = []
    indexed = frame.with_row_index("seq")
    infos = _info_exprs(frame, policies)
    for line, (amount, fund, base, room) in enumerate(DETAIL_LINES):
        code = pl.lit(fund) if fund else pl.when(pl.col("scheme") == "310").then(
            pl.lit(FUND_EMPLOYEE_POOL)).otherwise(pl.lit(FUND_RESIDENT_POOL))
        parts.append(indexed.with_columns(infos[amount].alias("setl_proc_info"))
                     .filter(pl.col(amount) > 0).select(
            "seq", pl.lit(line).alias("line"), "setl_id", code.alias("fund_pay_type"),
            pl.col(base).alias("inscp_scp_amt_fen"),
            pl.when(pl.col(room) == NO_ROOM).then(None).otherwise(pl.col(room))
            .alias("crt_payb_lmt_amt_fen"), pl.col(amount).alias("fund_payamt_fen"),
            "setl_proc_info"))
    rows = pl.concat(parts).sort("seq", "line")
    return rows.select(
        "setl_id", (pl.col("setl_id").cum_count().over("setl_id")).cast(pl.Int64)
        .alias("row_no"), "fund_pay_type", "inscp_scp_amt_fen", "crt_payb_lmt_amt_fen",
        "fund_payamt_fen", "setl_proc_info")


def _quoted(text: pl.Expr) -> pl.Expr:
    """A JSON string of a column of text without quotes, backslashes or control characters."""
    return pl.concat_str([pl.lit('"'), text, pl.lit('"')])


def _object(members: Sequence[tuple[str, pl.Expr]]) -> pl.Expr:
    """A compact JSON object with keys sorted (`canonical_json`) over JSON value columns."""
    parts: list[pl.Expr] = []
    for index, (key, value) in enumerate(sorted(members, key=lambda m: m[0])):
        parts += [pl.lit(("{" if index == 0 else ",") + f'"{key}":'), value]
    return pl.concat_str([*parts, pl.lit("}")])


def result_json(frame: pl.DataFrame, details: pl.DataFrame) -> pl.Series:
    """The stored result document of each settled request (`canonical_json` of
    `SettleResult.to_json`, as the stateful path stores it), over the columns of `detail_frame`'s
    input and its rows `details`; in the order of `frame`."""
    detail = details.select("setl_id", _object([
        ("fund_pay_type", _quoted(pl.col("fund_pay_type"))),
        ("inscp_scp_amt", _quoted(_yuan(pl.col("inscp_scp_amt_fen")))),
        ("crt_payb_lmt_amt", pl.when(pl.col("crt_payb_lmt_amt_fen").is_null())
         .then(pl.lit("null")).otherwise(_quoted(_yuan(pl.col("crt_payb_lmt_amt_fen"))))),
        ("fund_payamt", _quoted(_yuan(pl.col("fund_payamt_fen")))),
        ("setl_proc_info", _quoted(pl.col("setl_proc_info")))]).alias("row"))
    lists = detail.group_by("setl_id", maintain_order=True).agg(
        pl.col("row").str.join(",").alias("rows"))
    joined = frame.select("setl_id", "mdtrt_id", "id_number", "scheme", "med_type",
                          *MONEY_FIELDS, "pool_prop_selfpay",
                          *(f"a_{k}" for k in YTD_KEYS)).join(
        lists, on="setl_id", how="left", maintain_order="left")
    doc = _object([
        ("setl_id", _quoted(pl.col("setl_id"))), ("mdtrt_id", _quoted(pl.col("mdtrt_id"))),
        ("psn_no", _quoted(pl.col("id_number"))), ("insutype", _quoted(pl.col("scheme"))),
        ("med_type", _quoted(pl.col("med_type"))),
        *((name, _quoted(_yuan(pl.col(name)))) for name in MONEY_FIELDS),
        ("long_rx", pl.lit("[]")), ("acct_mulaid_balc", pl.lit("null")),
        ("matn_alwn_days", pl.lit("0")),
        ("pool_prop_selfpay", _quoted(_ratio_text(pl.col("pool_prop_selfpay")))),
        ("setldetail", pl.concat_str([pl.lit("["), pl.col("rows").fill_null(""),
                                      pl.lit("]")])),
        ("ytd_after", ytd_json("a_", sort_keys=True))])
    return joined.select(doc.alias("result_json"))["result_json"]


def _yuan(fen: pl.Expr) -> pl.Expr:
    """`fmt` over a column of non-negative fen: yuan with two places."""
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.Utf8).str.zfill(2))


def ytd_json(prefix: str, sort_keys: bool = False) -> pl.Expr:
    """`Ytd.to_json` as compact JSON text (keys in `YTD_KEYS` order, or sorted as
    `canonical_json` writes them; `json.dumps` with separators `,` and `:`), over the columns
    `<prefix><key>` of non-negative fen."""
    parts: list[pl.Expr] = []
    keys = (*YTD_KEYS, *OPSP_KEYS)
    for index, key in enumerate(sorted(keys) if sort_keys else keys):
        column = pl.col(f"{prefix}{key}")
        value = (pl.lit("{}") if key in OPSP_KEYS  # no per-disease amounts in the batch path yet
                 else column.cast(pl.Utf8) if key == "admissions"
                 else pl.concat_str([pl.lit('"'), _yuan(column), pl.lit('"')]))
        parts += [pl.lit(("{" if index == 0 else ",") + f'"{key}":'), value]
    return pl.concat_str([*parts, pl.lit("}")])
