"""Cross-region care in figures (异地就医流向与直接结算率): the two direct-settlement rates of
the plans and the flow matrix between regions, defined once for every engine.

The input is the settlements of a year grouped by (insured region 参保地, care region 就医地,
channel, med_type) with their count and sums in fen (`FlowRow`): the store fills it with one
GROUP BY (`BureauReads.offsite_flows`), the year job with one polars `group_by`
(`frame_flows`). Reversed settlements are left out before grouping.

Definitions (docs/offsite.md "Rates and reports"; the Sichuan plan's and the Linshui plan's
indicator tables, both counting inpatient stays only):
- an inpatient stay is a settlement with `med_type` 21 (住院); outpatient and chronic-disease
  visits enter the flow matrix but neither rate;
- cross-province (跨省): the care region's province differs from the insured region's;
  in-province (省内异地): another region of the same province;
- `cross_province_direct_rate` 住院费用跨省直接结算率 = cross-province stays settled directly
  (channel `direct`, 直接结算) ÷ all cross-province stays (direct + `manual`, 零星报销), of the
  insured of a region or of the whole deployment; `in_province_direct_rate`
  省内异地就医直接结算率 likewise for in-province stays;
- a rate is an exact fraction rounded half-up to six places (`table.ratio`), None when there is
  no such stay (zero denominator): unknown, never 0 and never 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import polars as pl

from yibao.core.codes import same_province
from yibao.core.money import from_fen
from yibao.indicators.table import ratio

INPATIENT: Final = "21"
DIRECT: Final = "direct"  # 直接结算
MANUAL: Final = "manual"  # 零星报销
TARGET: Final = Decimal("0.70")  # both plans: 70% 以上 by 2025
RATE_KEYS: Final = ("cross_province_direct_rate", "in_province_direct_rate")
#: The columns `frame_flows` groups and sums (a settlement per row, money in fen).
FRAME_KEYS: Final = ("insured_region", "care_region", "channel", "med_type")
FRAME_SUMS: Final = ("medfee_fen", "fund_fen", "acct_fen")


class Reach(StrEnum):
    """How far from the insured region the care was."""

    LOCAL = "local"  # 本地（参保地就医）
    IN_PROVINCE = "in_province"  # 省内异地
    CROSS_PROVINCE = "cross_province"  # 跨省


REACH_NAMES: Final = {Reach.LOCAL: "本地", Reach.IN_PROVINCE: "省内异地",
                      Reach.CROSS_PROVINCE: "跨省"}


def reach(insured_region: str, care_region: str) -> Reach:
    if care_region == insured_region:
        return Reach.LOCAL
    return Reach.IN_PROVINCE if same_province(insured_region, care_region) \
        else Reach.CROSS_PROVINCE


@dataclass(frozen=True, slots=True)
class FlowRow:
    """One group of a year's settlements (not reversed): count and sums in fen."""

    insured_region: str
    care_region: str
    channel: str
    med_type: str
    settlements: int
    medfee_fen: int
    fund_fen: int  # fund_pay_sumamt: what the funds paid
    acct_fen: int = 0  # acct_pay: the personal account's part

    @property
    def reach(self) -> Reach:
        return reach(self.insured_region, self.care_region)


@dataclass(frozen=True, slots=True)
class RateParts:
    """The numerators and denominators of the two rates for one scope (counts of stays)."""

    cross_province_direct: int = 0
    cross_province: int = 0
    in_province_direct: int = 0
    in_province: int = 0

    def __add__(self, other: RateParts) -> RateParts:
        return RateParts(self.cross_province_direct + other.cross_province_direct,
                         self.cross_province + other.cross_province,
                         self.in_province_direct + other.in_province_direct,
                         self.in_province + other.in_province)

    @property
    def cross_province_direct_rate(self) -> Decimal | None:
        return rate(self.cross_province_direct, self.cross_province)

    @property
    def in_province_direct_rate(self) -> Decimal | None:
        return rate(self.in_province_direct, self.in_province)

    @classmethod
    def of_document(cls, doc: Mapping[str, Any]) -> RateParts | None:
        """The parts a report document carries (`document`'s keys), None when it lacks any."""
        keys = ("cross_province_direct_stays", "cross_province_stays",
                "in_province_direct_stays", "in_province_stays")
        if not all(isinstance(doc.get(k), int) for k in keys):
            return None
        return cls(*(int(doc[k]) for k in keys))

    def document(self) -> dict[str, Any]:
        """The rates and their parts, as `indicators.json` carries them."""
        return {"cross_province_direct_rate": self.cross_province_direct_rate,
                "in_province_direct_rate": self.in_province_direct_rate,
                "cross_province_stays": self.cross_province,
                "cross_province_direct_stays": self.cross_province_direct,
                "in_province_stays": self.in_province,
                "in_province_direct_stays": self.in_province_direct}


def rate(direct: int, stays: int) -> Decimal | None:
    """`direct` ÷ `stays`, six places half-up; None when there is no stay."""
    return None if stays == 0 else ratio(direct, stays)


def _parts(row: FlowRow) -> RateParts:
    if row.med_type != INPATIENT or row.reach is Reach.LOCAL:
        return RateParts()
    direct = row.settlements if row.channel == DIRECT else 0
    if row.reach is Reach.CROSS_PROVINCE:
        return RateParts(cross_province_direct=direct, cross_province=row.settlements)
    return RateParts(in_province_direct=direct, in_province=row.settlements)


def rate_parts(rows: Iterable[FlowRow], regions: Sequence[str] | None = None
               ) -> dict[str, RateParts]:
    """The parts of the rates per insured region: each of `regions` (an empty entry when it
    has no row), or every insured region the rows name when `regions` is None."""
    rows = list(rows)
    wanted = sorted({r.insured_region for r in rows}) if regions is None else list(regions)
    out = {code: RateParts() for code in wanted}
    for row in rows:
        if row.insured_region in out:
            out[row.insured_region] += _parts(row)
    return out


@dataclass(frozen=True, slots=True)
class Flow:
    """All settlements of one insured region's people in one other care region."""

    insured_region: str
    care_region: str
    reach: Reach
    settlements: int
    direct: int
    manual: int
    inpatient: int  # stays (med_type 21)
    medfee_fen: int
    fund_fen: int
    acct_fen: int

    def document(self) -> dict[str, Any]:
        return {"insured_region": self.insured_region, "care_region": self.care_region,
                "reach": self.reach.value, "settlements": self.settlements,
                "direct": self.direct, "manual": self.manual, "inpatient": self.inpatient,
                "medfee": from_fen(self.medfee_fen), "fund": from_fen(self.fund_fen),
                "acct": from_fen(self.acct_fen)}


def flow_matrix(rows: Iterable[FlowRow]) -> list[Flow]:
    """The offsite flows (care region ≠ insured region), one per pair, sorted by insured then
    care region; local care is not a flow."""
    sums: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        if r.care_region == r.insured_region:
            continue
        s = sums.setdefault((r.insured_region, r.care_region), [0] * 7)
        direct = r.settlements if r.channel == DIRECT else 0
        for i, v in enumerate((r.settlements, direct, r.settlements - direct,
                               r.settlements if r.med_type == INPATIENT else 0,
                               r.medfee_fen, r.fund_fen, r.acct_fen)):
            s[i] += v
    return [Flow(i, c, reach(i, c), *v) for (i, c), v in sorted(sums.items())]


def offsite_indicators(rows: Iterable[FlowRow], regions: Sequence[str] | None = None
                       ) -> dict[str, Any]:
    """What `indicators.json` gains: the two rates (and their parts) of the whole deployment
    at the top level and of each insured region under `regions.<code>`, and the flow matrix
    (`offsite_flows`): the flows that leave or enter those regions. `regions`: the
    deployment's regions (each gets an entry, with None rates when its insured had no offsite
    stay); None: every insured region the rows name."""
    rows = list(rows)
    parts = rate_parts(rows, regions)
    total = sum(parts.values(), RateParts())
    return {**total.document(),
            "regions": {code: p.document() for code, p in parts.items()},
            "offsite_flows": [f.document() for f in flow_matrix(
                r for r in rows if r.insured_region in parts or r.care_region in parts)]}


def frame_flows(frame: pl.DataFrame) -> list[FlowRow]:
    """The year job's grouping: one polars `group_by` over a frame of settlements (reversed
    ones left out) with the columns `FRAME_KEYS` (a null care region is the insured region)
    and the sums `FRAME_SUMS` in fen."""
    grouped = (frame.with_columns(pl.col("care_region").fill_null(pl.col("insured_region")))
               .group_by(list(FRAME_KEYS))
               .agg(pl.len().alias("settlements"), *(pl.col(c).sum() for c in FRAME_SUMS)))
    return [FlowRow(r["insured_region"], r["care_region"], r["channel"], r["med_type"],
                    int(r["settlements"]), int(r["medfee_fen"]), int(r["fund_fen"]),
                    int(r["acct_fen"])) for r in grouped.iter_rows(named=True)]


def store_flows(rows: Iterable[Sequence[Any]]) -> list[FlowRow]:
    """Rows of the store's grouping (`BureauReads.offsite_flows`: insured region, care region,
    channel, med_type, count, Σ medfee, Σ fund, Σ account, in fen) as `FlowRow`s."""
    return [FlowRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]),
                    *(int(v or 0) for v in r[5:8])) for r in rows]

