"""Designated institutions (定点医药机构) in the county and where its insured seek care outside.

Codes are `H`/`P` + 6-digit region + 5-digit serial (docs/catalog.md); names are illustrative.
Columns follow the catalogue's institution layout (`fixmedins_code, fixmedins_name, hosp_lv,
kind, admdvs`) plus `area` (county, city, province, outside) used by the visit model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from yibao.sim.profile import Profile

REGION_NAMES = {"511602": "广安市", "510107": "成都市", "500112": "重庆市渝北区",
                "440106": "广州市天河区", "330106": "杭州市西湖区"}


def _rows(region: str, area: str, specs: list[tuple[str, str, str]], start: int
          ) -> list[dict[str, Any]]:
    return [{"fixmedins_code": f"{'P' if kind == 'pharmacy' else 'H'}{region}{start + i:05d}",
             "fixmedins_name": name, "hosp_lv": lv, "kind": kind, "admdvs": region, "area": area}
            for i, (name, lv, kind) in enumerate(specs)]


def county_rows(profile: Profile, name: str | None = None) -> list[dict[str, Any]]:
    """The institutions of the profile's own region (`area` county), named after `name`."""
    spec = profile.institutions
    county = name or ("邻水县" if profile.region == "511623"
                      else REGION_NAMES.get(profile.region, "本县"))
    main = [(f"{county}人民医院", "2", "hospital"), (f"{county}中医医院", "2", "hospital"),
            (f"{county}妇幼保健院", "2", "hospital")][: spec["county_hospitals"]]
    town = [(f"{county}第{i + 1}乡镇卫生院", "1", "clinic")
            for i in range(spec["township_centres"])]
    private = [(f"{county}民营医院{i + 1}", "2" if i % 3 == 0 else "1", "hospital")
               for i in range(spec["private_hospitals"])]
    shops = [(f"{county}大药房{i + 1}", "1", "pharmacy") for i in range(spec["pharmacies"])]
    return (_rows(profile.region, "county", main + private, 1)
            + _rows(profile.region, "county", town, 101)
            + _rows(profile.region, "county", shops, 501))


def institutions(profile: Profile) -> pl.DataFrame:
    """All institutions of the simulation, county first; deterministic for a profile."""
    rows = county_rows(profile) + outer_rows(profile)
    frame = pl.DataFrame(rows)
    return frame.with_columns(pl.Series("inst", np.arange(frame.height, dtype=np.int64)))


def outer_rows(profile: Profile, city_serial: int = 1) -> list[dict[str, Any]]:
    """The city's, the province's and the outside residence regions' hospitals; the city's
    serials start at `city_serial` (a deployment registers them beside 广安区's own)."""
    spec = profile.institutions
    city = REGION_NAMES.get(profile.city_region, "市")
    rows = _rows(profile.city_region, "city", [
        (f"{city}人民医院" if i == 0 else f"{city}第{i + 1}医院", "3" if i < 2 else "2",
         "hospital") for i in range(spec["city_hospitals"])], city_serial)
    rows += _rows(profile.province_region, "province", [
        (f"四川省第{i + 1}医院", "3", "hospital") for i in range(spec["province_hospitals"])], 1)
    for region in profile.population["outside"]["regions"]:
        name = REGION_NAMES.get(region, region)
        rows += _rows(region, "outside", [
            (f"{name}第{i + 1}人民医院", "3" if i == 0 else "2", "hospital")
            for i in range(spec["outside_hospitals"])], 801)
    return rows
