"""The Guang'an deployment profile: six GB/T 2260 regions each with its own people, policy and
institutions; flows between the counties, to Chengdu and outside the province; filings that
match the visits (every filed offsite visit rests on a filing in force for its care region,
emergencies filed afterwards within the window); manual claims; a bad profile named by file,
key and line; and the single-region profile left as it was."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from stdnum.cn import ric

from yibao.core.idnum import make_resident_id
from yibao.offsite.model import covers
from yibao.policy.loader import load_policy
from yibao.sim import deployment as dep_module
from yibao.sim.deployment import CityTables, load_deployment, region_profile, simulate_city
from yibao.sim.profile import ProfileError, load_profile

SCALE = 0.005
NAMES = {"511602": "广安区", "511603": "前锋区", "511621": "岳池县", "511622": "武胜县",
         "511623": "邻水县", "511681": "华蓥市"}


@pytest.fixture(scope="module")
def city() -> CityTables:
    return simulate_city("guangan-2020", SCALE, 7)


def test_the_regions_are_guang_an_s_six_gb_t_2260_codes_each_with_its_policy() -> None:
    dep = load_deployment("guangan-2020")
    assert dep.city == "511600" and dep.codes == tuple(NAMES)
    for code, name in NAMES.items():
        # python-stdnum's cn loc table names the county of an identity number's region (a
        # number of 2020: 前锋区 exists since 2013)
        number = make_resident_id(code, date(2020, 1, 1), 1, "M")
        assert ric.get_birth_place(number)["county"] == name
        policy = load_policy(f"{code}-2020")
        assert policy.region == code and policy.filing.retro_days == 30
    # Linshui keeps its seed population; the placeholders say so in their header
    linshui = region_profile("guangan-2020", "511623")
    assert (linshui.population["employees"], linshui.population["residents"]) == (40500, 800800)
    text = (Path(load_policy("511602-2020").source)).read_text("utf-8")
    assert "[U] PLACEHOLDER" in text.splitlines()[0] and 'template = "511623-2020"' in text


def test_each_region_has_its_own_people_and_institutions_and_care_flows_between_them(
        city: CityTables) -> None:
    register = city.institutions
    assert register["fixmedins_code"].is_unique().all()
    for code, tables in city.regions.items():
        assert set(tables.enrollments["insuplc_admdvs"]) == {code}
        assert tables.persons["id_number"].str.slice(0, 6).eq(code).all()
        assert (register.filter(pl.col("area") == "county")["admdvs"] == code).sum() > 0
        visits = tables.visits
        assert visits["mdtrt_id"].str.contains(code).all()
        care = visits["care_region"]
        # care registered where it happens: the code's region is the institution's
        assert (visits["fixmedins_code"].str.slice(1, 6) == care).all()
        local = (care == code).mean()
        assert 0.85 < float(local) < 0.99  # type: ignore[arg-type]
        if code != "511602":
            assert (care == "511602").sum() > 0  # the city hospitals
        assert care.str.starts_with("5101").sum() > 0  # Chengdu
    allcare = pl.concat([t.visits["care_region"] for t in city.regions.values()])
    assert allcare.str.starts_with("50").sum() > 0  # Chongqing, cross-province
    neighbour = sum(int(t.visits.filter((pl.col("care_region") != code)
                                        & pl.col("care_region").is_in(list(NAMES))
                                        & (pl.col("care_region") != "511602")).height)
                    for code, t in city.regions.items())
    assert neighbour > 0


def test_filed_offsite_visits_rest_on_a_filing_in_force_covering_the_care_region(
        city: CityTables) -> None:
    filings = city.filings
    assert filings["filing_id"].is_unique().all()
    for code, tables in city.regions.items():
        v = tables.visits.join(tables.persons.select("person", "id_number"), on="person")
        filed = v.filter(pl.col("offsite").is_in(["filed", "referral", "temporary"])
                         & pl.col("filing_id").is_not_null())
        assert filed.height > 0
        joined = filed.join(filings, on="filing_id", suffix="_f")
        assert joined.height == filed.height
        for row in joined.iter_rows(named=True):
            assert row["id_number"] == row["id_number_f"]
            assert row["insured_region"] == code
            assert covers(row["care_area"], row["care_region"])
            assert row["start_date"] <= row["begndate"]
            assert row["end_date"] is None or row["begndate"] <= row["end_date"]
            assert row["filed_on"] <= row["enddate"]
        # unfiled: no filing of the person covers the care region on the day
        unfiled = v.filter(pl.col("offsite") == "unfiled").join(
            filings, on="id_number", how="inner")
        for row in unfiled.iter_rows(named=True):
            holds = (row["start_date"] <= row["begndate"]
                     and (row["end_date"] is None or row["begndate"] <= row["end_date"])
                     and row["filed_on"] <= row["enddate"])
            assert not (holds and covers(row["care_area"], row["care_region"]))
        assert (v.filter(pl.col("care_region") == code)["offsite"] == "local").all()


def test_emergency_stays_are_filed_afterwards_within_the_window(city: CityTables) -> None:
    retro = city.filings.filter(pl.col("filing_type") == "emergency")
    assert retro.height > 0
    assert (retro["filed_on"] > retro["start_date"]).all()
    assert ((retro["filed_on"] - retro["start_date"]) <= timedelta(days=30)).all()
    emergencies = pl.concat([t.visits.filter(pl.col("emergency"))
                             for t in city.regions.values()])
    assert emergencies.height == retro.height
    assert (emergencies["offsite"] == "referral").all()  # 急诊 settled as one
    assert (emergencies["kind"] == "inpatient").all()
    # each temporary category filing of a person is alone (no overlapping temporary filings)
    temporary = city.filings.filter(pl.col("end_date").is_not_null())
    assert temporary["id_number"].is_unique().all()


def test_manual_claims_are_unfiled_offsite_care(city: CityTables) -> None:
    visits = pl.concat([t.visits.with_columns(pl.lit(c).alias("region"))
                        for c, t in city.regions.items()])
    manual = visits.filter(pl.col("channel") == "manual")
    assert manual.height > 0
    assert (manual["offsite"] == "unfiled").all()
    assert (manual["care_region"] != manual["region"]).all()


def test_same_seed_same_city_and_the_single_region_profile_is_unchanged(
        city: CityTables) -> None:
    again = simulate_city("guangan-2020", SCALE, 7)
    assert again.filings.equals(city.filings)
    for code in city.regions:
        assert again.regions[code].visits.equals(city.regions[code].visits)
    linshui = load_profile("linshui-2020")
    assert linshui.visit_prefix == "" and "neighbour_share" not in linshui.utilisation


def test_a_bad_deployment_profile_names_file_key_and_line(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    good = dep_module._text("guangan-2020")
    bad = good.replace('code = "511603"', 'code = "511703"')
    monkeypatch.setattr(dep_module, "_text", lambda name: bad)
    real = dep_module.load_raw

    def raw(name: str) -> dict:
        data = real(name)
        for region in data["deployment"]["regions"]:
            if region["code"] == "511603":
                region["code"] = "511703"
        return data

    monkeypatch.setattr(dep_module, "load_raw", raw)
    with pytest.raises(ProfileError) as caught:
        load_deployment("guangan-2020")
    line = bad.splitlines().index('code = "511703"') + 1
    message = str(caught.value)
    assert f"sim/profiles/guangan-2020.toml:{line}" in message
    assert "deployment.regions.code" in message and "511600" in message


def test_unknown_regions_are_refused() -> None:
    with pytest.raises(ProfileError, match="没有统筹区 511699"):
        region_profile("guangan-2020", "511699")
    assert np.isfinite(SCALE)
