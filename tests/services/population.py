"""A small population for the service tests, imported through the real services.

| who | id | scheme | region | notes |
|---|---|---|---|---|
| RESIDENT | 1960 M | 390 | 511623 | 2024 |
| DIBAO | 1961 M | 390 | 511623 | 低保 (serious-illness tilt, assistance) |
| TEKUN | 1964 M | 390 | 511623 | 特困 |
| WORKER | 1962 M | 310 in service | 511623 | civil servant, wage base 6000 |
| RETIREE | 1963 M | 310 retired | 511623 | |
| LATE | 1966 M | 390 | 511623 | enrolled 2023, then 2025 from 15 March: waiting 3 + 1 months |
| LAPSED | 1967 M | 390 | 511623 | 2023 only |
| CITY | 1968 M | 390 | 511602 | 广安区: no shipped policy |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from yibao.core.idnum import make_resident_id
from yibao.services import contribute, enroll
from yibao.store import Store


def _id(year: int, serial: int) -> str:
    return make_resident_id("511623", date(year, 3, 1), serial, "M")


RESIDENT, DIBAO, WORKER, RETIREE = _id(1960, 11), _id(1961, 13), _id(1962, 15), _id(1963, 17)
TEKUN, LATE, LAPSED, CITY = _id(1964, 19), _id(1966, 21), _id(1967, 23), _id(1968, 25)
EMPLOYER = "91511623MA0000001X"
HOSPITAL, CLINIC, UNREGISTERED = "H51162300001", "H51162300003", "H51162300099"

PEOPLE_HEADER = ("id_number,name,household_id,scheme,psn_type,region,year,groups,civil_servant,"
                 "employer_code,wage_base,start_date")
PEOPLE = [
    f"{RESIDENT},张三,HH1,390,resident,511623,2024,,false,,,",
    f"{DIBAO},李四,HH1,390,resident,511623,2024,dibao,false,,,",
    f"{TEKUN},钱七,HH4,390,resident,511623,2024,tekun,false,,,",
    f"{WORKER},王五,HH2,310,in_service,511623,2024,,true,{EMPLOYER},6000,",
    f"{RETIREE},赵六,HH3,310,retired,511623,2024,,false,,,",
    f"{LATE},孙八,HH5,390,resident,511623,2023,,false,,,",
    f"{LATE},孙八,HH5,390,resident,511623,2025,,false,,,2025-03-15",
    f"{LAPSED},周九,HH6,390,resident,511623,2023,,false,,,",
    f"{CITY},吴十,HH7,390,resident,511602,2024,,false,,,",
]


def write_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "employers": ("code,name,region", [f"{EMPLOYER},邻水县示例机械厂,511623"]),
        "institutions": ("code,name,level,region", [
            f"{HOSPITAL},邻水县人民医院,2,511623", f"{CLINIC},城北镇卫生院,1,511623"]),
        "people": (PEOPLE_HEADER, PEOPLE),
    }
    paths = {}
    for name, (header, rows) in files.items():
        path = folder / f"{name}.csv"
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        paths[name] = path
    return paths


def populate(store: Store, folder: Path, *, contributions: bool = True) -> None:
    """Import the population (and post 2024 contributions) into `store`."""
    paths = write_files(folder)
    enroll.import_employers(paths["employers"], store=store)
    enroll.import_institutions(paths["institutions"], store=store)
    report = enroll.import_enrollments(paths["people"], store=store)
    assert not report.errors, report.errors
    if contributions:
        contribute.post_contributions(2024, store=store)


def visit(psn_no: str, mdtrt_id: str, *, amount: str = "20000.00", med_type: str = "21",
          day: str = "2024-03-09", hospital: str = HOSPITAL, use_acct: bool = False,
          **extra: Any) -> dict[str, Any]:
    """A stateful request: the person by id number, one 甲类 line and one 丙类 line."""
    doc: dict[str, Any] = {
        "person": {"psn_no": psn_no},
        "visit": {"mdtrt_id": mdtrt_id, "fixmedins_code": hospital, "med_type": med_type,
                  "begndate": day, "enddate": day},
        "fees": [
            {"feedetl_sn": "1", "hilist_code": "XA01ABD075A002010100483", "chrg_itm_lv": "01",
             "cnt": "1", "pric": amount},
            {"feedetl_sn": "2", "hilist_code": "001", "chrg_itm_lv": "03", "cnt": "1",
             "pric": "80.00"},
        ],
        "use_acct": use_acct,
    }
    doc.update(extra)
    return doc
