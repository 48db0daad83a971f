"""The fee catalogue (医保目录): 甲/乙/丙 drugs, services and consumables with price caps.

Columns follow docs/catalog.md (`hilist_code … lmt_hosp_lv_max`, decimals as strings) so that
`yibao settle --catalog` reads the file, plus `category`, the reference price `pric_e6`
(10⁻⁶ yuan, what institutions charge), `restricted` (items the visit model does not pick) and
`max_units_day`, a drug's usual maximum units per day (说明书常规最大日剂量; 2–5 by serial,
illustrative [U]; null for other items).
Drug codes have the 23-character shape `X`/`Z` + category + name + form + spec + serial; consumables
`C` + 19; services 15 digits (policy.md §8, segment meanings [U]). Names are illustrative.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from yibao.sim.profile import Profile

E6: Final = 1_000_000
#: category: (count, lowest price, highest price in yuan, name stem)
CATEGORIES: Final = {
    "drug": (240, 0.5, 900.0, "药品"), "exam": (40, 20.0, 600.0, "检查"),
    "lab": (40, 5.0, 200.0, "化验"), "treatment": (40, 5.0, 300.0, "治疗"),
    "surgery": (24, 300.0, 9000.0, "手术"), "consumable": (60, 5.0, 20000.0, "耗材"),
}
DRUG_NAMES: Final = ("阿莫西林胶囊", "头孢呋辛钠注射液", "左氧氟沙星片", "阿司匹林肠溶片",
                     "氨氯地平片", "二甲双胍片", "阿托伐他汀钙片", "奥美拉唑肠溶胶囊",
                     "氯化钠注射液", "葡萄糖注射液", "布地奈德混悬液", "胰岛素注射液",
                     "硝苯地平缓释片", "美托洛尔片", "氯吡格雷片", "复方丹参滴丸",
                     "连花清瘟胶囊", "血塞通注射液", "银杏叶片", "甲钴胺片")
#: Items restricted by sex or age (限性别/限年龄), used only by the abuse patterns.
RESTRICTED: Final = (
    ("XG03DAH046B002010100001", "黄体酮注射液", "02", "F", "", ""),
    ("XG04CAT112A012010100002", "坦索罗辛缓释胶囊", "02", "M", "", ""),
    ("XR05XAX090A021010100003", "小儿氨酚黄那敏颗粒", "01", "", "0", "14"),
)
FIXED: Final = (  # code, name, class, category, price yuan
    ("001102000010001", "床位费（一级）", "01", "bed1", 15), ("001102000010002", "床位费（二级）",
     "01", "bed2", 30), ("001102000010003", "床位费（三级）", "01", "bed3", 50),
    ("001101000010001", "诊查费（一级）", "01", "diag1", 5), ("001101000010002", "诊查费（二级）",
     "01", "diag2", 10), ("001101000010003", "诊查费（三级）", "01", "diag3", 20),
    ("001201000010001", "护理费", "01", "nursing", 20),
)


def _classes(profile: Profile, category: str, n: int, rng: np.random.Generator) -> np.ndarray:
    mix = profile.costs["item_class"]
    if category in mix:
        p = np.array([float(v) for v in mix[category]])
        return rng.choice(np.array(["01", "02", "03"]), n, p=p / p.sum())
    return np.where(rng.random(n) < 0.8, "01", "02")


def _codes(category: str, n: int) -> list[str]:
    if category == "drug":
        return [f"{'Z' if i % 5 == 4 else 'X'}A{i % 90 + 10:02d}AA{chr(65 + i % 26)}{i:03d}A"
                f"{i % 97:03d}{i % 13:02d}{i % 7:02d}{i:05d}" for i in range(n)]
    if category == "consumable":
        return [f"C{i % 19 + 1:02d}{i % 97:02d}{i:015d}" for i in range(n)]
    stem = {"exam": 21, "lab": 25, "treatment": 31, "surgery": 33}[category]
    return [f"{stem:03d}{i:012d}" for i in range(n)]


def _category(profile: Profile, category: str, rng: np.random.Generator) -> pl.DataFrame:
    n, low, high, stem = CATEGORIES[category]
    price = np.exp(rng.uniform(np.log(low), np.log(high), n))
    pric_e6 = (np.round(price * 100).astype(np.int64)) * 10_000
    cls = _classes(profile, category, n, rng)
    prop = "0.20" if category == "consumable" else "0.10"
    selfpay = [prop if c == "02" else None for c in cls.tolist()]
    capped = (category == "consumable") & (cls != "03") & (rng.random(n) < 0.25)
    cap_e6 = (pric_e6 * 85 // 100) // 10_000 * 10_000
    names = (DRUG_NAMES if category == "drug" else (stem,))
    return pl.DataFrame({
        "hilist_code": _codes(category, n),
        "hilist_name": [f"{names[i % len(names)]}（规格{i + 1}）" for i in range(n)],
        "chrg_itm_lv": cls, "selfpay_prop": selfpay,
        "pric_uplmt_amt": [f"{c // E6}.{c % E6 // 10_000:02d}" if k else None
                           for c, k in zip(cap_e6.tolist(), capped.tolist(), strict=True)],
        "category": [category] * n, "pric_e6": pric_e6,
    }, schema_overrides={"selfpay_prop": pl.Utf8, "pric_uplmt_amt": pl.Utf8})


def catalogue(profile: Profile, rng: np.random.Generator) -> pl.DataFrame:
    """The fee catalogue; `item` is the row index used by fee lines."""
    fixed = pl.DataFrame({
        "hilist_code": [f[0] for f in FIXED], "hilist_name": [f[1] for f in FIXED],
        "chrg_itm_lv": [f[2] for f in FIXED], "selfpay_prop": [None] * len(FIXED),
        "pric_uplmt_amt": [None] * len(FIXED), "category": [f[3] for f in FIXED],
        "pric_e6": [f[4] * E6 for f in FIXED]},
        schema_overrides={"selfpay_prop": pl.Utf8, "pric_uplmt_amt": pl.Utf8})
    restricted = pl.DataFrame({
        "hilist_code": [r[0] for r in RESTRICTED], "hilist_name": [r[1] for r in RESTRICTED],
        "chrg_itm_lv": [r[2] for r in RESTRICTED], "selfpay_prop": [None] * len(RESTRICTED),
        "pric_uplmt_amt": [None] * len(RESTRICTED), "category": ["restricted"] * len(RESTRICTED),
        "pric_e6": [35 * E6] * len(RESTRICTED)},
        schema_overrides={"selfpay_prop": pl.Utf8, "pric_uplmt_amt": pl.Utf8})
    frame = pl.concat([fixed, *(_category(profile, c, rng) for c in CATEGORIES), restricted])
    drug = (frame["category"] == "drug").to_numpy()
    serial = np.cumsum(drug) - 1
    per_day = pl.Series("max_units_day", np.where(drug, 2 + serial % 4, -1)).replace(-1, None)
    sex = [""] * (frame.height - len(RESTRICTED)) + [r[3] for r in RESTRICTED]
    age_min = [""] * (frame.height - len(RESTRICTED)) + [r[4] for r in RESTRICTED]
    age_max = [""] * (frame.height - len(RESTRICTED)) + [r[5] for r in RESTRICTED]
    return frame.with_columns(
        pl.Series("lmt_sex", sex).replace("", None), pl.Series("lmt_age_min", age_min)
        .replace("", None), pl.Series("lmt_age_max", age_max).replace("", None),
        pl.lit(None, pl.Utf8).alias("lmt_hosp_lv_min"), pl.lit(None, pl.Utf8)
        .alias("lmt_hosp_lv_max"), pl.Series("item", np.arange(frame.height, dtype=np.int64)),
        per_day.cast(pl.Int64),
    )
