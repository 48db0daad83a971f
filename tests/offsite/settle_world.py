"""A store holding two coordinating regions for the offsite settlement tests: the service tests'
Linshui population (511623, tests/services/population.py) plus Guang'an city (511600) people,
hospitals registered in 广安区 (511602) and the city (511600), and 广安区's catalogue, whose
class for the population's 甲类 drug differs from what the hospitals send.

Filings are written straight through the filing repository (the filing service belongs to
another part); `linshui_policy` swaps in a test copy of Linshui's 2024 policy."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Final

import pytest

from tests.services.population import RESIDENT, populate
from yibao.core.idnum import make_resident_id
from yibao.offsite.model import Filing, FilingType
from yibao.policy.loader import load_policy
from yibao.services import catalog, enroll, settle_service
from yibao.store import Store

LINSHUI, CITY_REGION, GUANGAN_DISTRICT = "511623", "511600", "511602"
#: A hospital of 广安区 (三级) and one of the city (三级), registered with their regions.
DISTRICT_HOSPITAL, CITY_HOSPITAL = "H51160200001", "H51160000001"
#: Guang'an city residents (居民, 2024).
CITY_A, CITY_B = (make_resident_id(CITY_REGION, date(1970, 5, 1), n, "F") for n in (32, 34))
#: The population's 甲类 drug; 广安区's catalogue has it as 乙类 with 20 % 先行自付.
DRUG: Final = "XA01ABD075A002010100483"
DATA: Final = Path(__file__).parent / "data"
REFUSE_POLICY: Final = DATA / "511623-2024-refuse.toml"

CATALOG_CSV = (
    "hilist_code,hilist_name,chrg_itm_lv,selfpay_prop,pric_uplmt_amt,lmt_sex,lmt_age_min,"
    "lmt_age_max,lmt_hosp_lv_min,lmt_hosp_lv_max\n"
    f"{DRUG},示例药品,02,0.20,,,,,,\n"
    "C100,限价耗材,01,,100.00,,,,,\n"
    "K200,限女性项目,01,,,F,,,,\n"
)


def populate_regions(store: Store, folder: Path) -> None:
    """The population, then the city's people, hospitals and 广安区's catalogue."""
    populate(store, folder)
    add_regions(store, folder)


def add_regions(store: Store, folder: Path) -> None:
    """The city's people, the hospitals of 511602 and 511600 and 广安区's catalogue."""
    folder.mkdir(parents=True, exist_ok=True)
    hospitals = folder / "regional-institutions.csv"
    hospitals.write_text("code,name,level,region\n"
                         f"{DISTRICT_HOSPITAL},广安区人民医院,3,{GUANGAN_DISTRICT}\n"
                         f"{CITY_HOSPITAL},广安市人民医院,3,{CITY_REGION}\n", encoding="utf-8")
    enroll.import_institutions(hospitals, store=store)
    people = folder / "city-people.csv"
    people.write_text(
        "id_number,name,household_id,scheme,psn_type,region,year,groups,civil_servant,"
        "employer_code,wage_base,start_date\n"
        f"{CITY_A},陈一,HC1,390,resident,{CITY_REGION},2024,,false,,,\n"
        f"{CITY_B},陈二,HC2,390,resident,{CITY_REGION},2024,,false,,,\n", encoding="utf-8")
    report = enroll.import_enrollments(people, store=store)
    assert not report.errors, report.errors
    items = folder / "guangan-district-catalog.csv"
    items.write_text(CATALOG_CSV, encoding="utf-8")
    catalog.import_catalog(items, region=GUANGAN_DISTRICT, store=store)


def add_filing(store: Store, filing_type: FilingType, care_area: str, *,
               id_number: str = RESIDENT, start: date = date(2024, 1, 1),
               end: date | None = None, filing_id: str = "F1") -> Filing:
    """A filing of a Linshui person, written through the filing repository."""
    filing = Filing(filing_id, id_number, LINSHUI, filing_type, care_area, start, end,
                    start)
    with store.unit_of_work() as uow:
        uow.filings.add(filing, channel="test", filed_by="test")
        uow.commit()
    return filing


def stay(mdtrt_id: str, *, psn_no: str = RESIDENT, hospital: str = DISTRICT_HOSPITAL,
         amount: str = "20000.00", day: str = "2024-03-09", **visit: Any) -> dict[str, Any]:
    """An inpatient stay: the drug sent as 甲类 (01) and one 丙类 line of 80.00."""
    return {"person": {"psn_no": psn_no},
            "visit": {"mdtrt_id": mdtrt_id, "fixmedins_code": hospital, "med_type": "21",
                      "begndate": day, "enddate": day, **visit},
            "fees": [{"feedetl_sn": "1", "hilist_code": DRUG, "chrg_itm_lv": "01", "cnt": "1",
                      "pric": amount},
                     {"feedetl_sn": "2", "hilist_code": "001", "chrg_itm_lv": "03", "cnt": "1",
                      "pric": "80.00"}]}


def stored_row(store: Store, setl_id: str) -> dict[str, Any]:
    """The settlement row's cross-region columns."""
    from sqlalchemy import select

    from yibao.store.schema import settlements as t

    with store.unit_of_work(read_only=True) as uow:
        row = uow.connection.execute(
            select(t.c.region, t.c.care_region, t.c.offsite, t.c.filing_id, t.c.channel)
            .where(t.c.setl_id == setl_id)).one()
    return dict(row._mapping)


def postings_of(store: Store, txn_id: str) -> list[tuple[str, str, int]]:
    with store.unit_of_work(read_only=True) as uow:
        entry = uow.ledger.postings_of(txn_id)
    assert entry is not None
    return [(p.account.text, p.side.value, p.amount_fen) for p in entry.postings]


def linshui_policy(monkeypatch: pytest.MonkeyPatch, path: Path = REFUSE_POLICY) -> None:
    """Settle Linshui 2024 under the test policy file `path` (unfiled refused, manual -0.10)."""
    test_policy = load_policy(str(path))

    def load(ref: str) -> Any:
        return test_policy if ref == "511623-2024" else load_policy(ref)

    monkeypatch.setattr(settle_service, "load_policy", load)
