"""`find_certifications` and `export_certifications` on SQLite and PostgreSQL: the state as
read on a day (`expired` derived in the query), the 复审到期 window, the disease and person
filters, paging, and the user's role and scope."""

from __future__ import annotations

from datetime import date

from tests.services.population import DIBAO, HOSPITAL, RESIDENT
from yibao.opsp.model import CertState
from yibao.opsp.rules import NewCertification
from yibao.services.accounts import Principal
from yibao.services.opsp import (
    CertFilter,
    Certified,
    CertPage,
    CertProblem,
    CertRefused,
    certify,
    export_certifications,
    find_certifications,
    parse_filter,
)
from yibao.store import Store

DAY = date(2024, 5, 10)
COUNTY = Principal("county", "handler", "511623")
OTHER = Principal("other", "handler", "511602")


def _certify(store: Store, psn_no: str, disease: str, icd10: str) -> str:
    done = certify(psn_no, NewCertification(disease, icd10, HOSPITAL, "李医生", DAY),
                   actor="test", today=DAY, store=store)
    assert isinstance(done, Certified), done
    return done.cert.cert_id


def _ids(found: CertPage | CertRefused) -> list[str]:
    assert isinstance(found, CertPage), found
    return [c.cert.cert_id for c in found.items]


def test_state_window_filters_paging_and_scope(populated: Store) -> None:
    # 恶性肿瘤门诊放化疗: 12 months → 10 May 2024 to 9 May 2025; 高血压（两病）: 24 months →
    # to 9 May 2026.
    cancer = _certify(populated, RESIDENT, "M00500", "C34.900")
    pressure = _certify(populated, DIBAO, "M03900", "I10")
    later = date(2025, 6, 1)  # the first has ended, the second holds

    def find(wanted: CertFilter, who: Principal | None = None, limit: int = 50,
             offset: int = 0) -> CertPage | CertRefused:
        return find_certifications(wanted, limit=limit, offset=offset, who=who, today=later,
                                   store=populated)

    assert _ids(find(CertFilter(state=CertState.EXPIRED))) == [cancer]
    assert _ids(find(CertFilter(state=CertState.CERTIFIED))) == [pressure]
    expired = find(CertFilter(psn_no=RESIDENT))
    assert isinstance(expired, CertPage) and expired.items[0].state is CertState.EXPIRED
    assert _ids(find(CertFilter(disease="M03900"))) == [pressure]
    # 复审到期 on 1 June 2025: 9 May 2026 is 342 days later.
    assert _ids(find(CertFilter(expiring=342))) == [pressure]
    assert _ids(find(CertFilter(expiring=341))) == []
    page = find(CertFilter(), limit=1, offset=1)
    assert isinstance(page, CertPage) and page.total == 2 and len(page.items) == 1
    assert _ids(find(CertFilter(), who=COUNTY)) != []
    assert _ids(find(CertFilter(), who=OTHER)) == []
    hidden = find(CertFilter(psn_no=RESIDENT), who=OTHER)
    assert isinstance(hidden, CertRefused) and hidden.reason == CertProblem.NOT_FOUND
    reader = find(CertFilter(), who=Principal("f", "finance", "511623"))
    assert isinstance(reader, CertRefused) and reader.reason == CertProblem.FORBIDDEN
    everything = export_certifications(CertFilter(), today=later, store=populated)
    assert isinstance(everything, CertPage) and len(everything.items) == 2


def test_parse_filter_refuses_what_is_wrong() -> None:
    assert parse_filter(" ", "", "") == CertFilter()
    assert parse_filter(state="expired") == CertFilter(state=CertState.EXPIRED)
    for args, word in ((("../x",), "人员编号"), (("", "M0/1"), "病种编码"),
                       (("", "", "lost"), "状态")):
        refused = parse_filter(*args)
        assert isinstance(refused, CertRefused) and word in refused.message, args
    assert isinstance(parse_filter(expiring=-1), CertRefused)
