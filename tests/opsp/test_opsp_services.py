"""The 门诊慢特病认定 services (`yibao.services.opsp`) on SQLite and PostgreSQL: certify, refuse,
revoke, list and expiring, the policy read, the write log — and concurrent certifications of
one disease for one person from separate processes, of which exactly one is written."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tests.forked import TIMEOUT_S, at_once
from tests.services.population import CITY, CLINIC, HOSPITAL, LAPSED, RESIDENT, WORKER, populate
from tests.store.fixtures import StoreFactory
from yibao.opsp.model import CertState
from yibao.opsp.rules import CertRefusal, NewCertification
from yibao.services.accounts import write_log
from yibao.services.opsp import (
    Certified,
    CertProblem,
    CertRefused,
    certifications_of,
    certify,
    expiring,
    opsp_of,
    refuse,
    revoke,
)
from yibao.store import Store

TODAY = date(2024, 5, 10)


def _new(disease: str = "M03900", icd10: str = "I10.x00", start: date = TODAY,
         institution: str = HOSPITAL) -> NewCertification:
    return NewCertification(disease, icd10, institution, "李医生", start)


def _certify(store: Store, psn_no: str = RESIDENT, **kw: Any) -> Certified | CertRefused:
    return certify(psn_no, _new(**kw), actor="test", today=TODAY, store=store)


def test_certify_writes_the_certification_and_logs_it(populated: Store) -> None:
    done = _certify(populated)
    assert isinstance(done, Certified), done
    cert = done.cert
    # 高血压（两病）: cert_months 24 → 10 May 2024 to 9 May 2026
    assert (cert.valid_from, cert.valid_until) == (TODAY, date(2026, 5, 9))
    assert cert.state is CertState.CERTIFIED and cert.insured_region == "511623"
    assert cert.cert_id.startswith("C") and len(cert.cert_id) == 21
    assert done.disease_name == "高血压（两病）"
    listed = certifications_of(RESIDENT, today=TODAY, store=populated)
    assert isinstance(listed, list) and [c.cert for c in listed] == [cert]
    _, entries = write_log(10, prefix="511623", store=populated)
    entry = next(e for e in entries if e.action == "opsp.certify")
    assert entry.target == cert.cert_id and entry.actor == "test"
    assert json.loads(entry.detail)["valid_until"] == "2026-05-09"


def test_refusals_write_nothing(populated: Store) -> None:
    cases = [
        (_certify(populated, "110101199001011234"), CertProblem.NOT_FOUND),
        (_certify(populated, LAPSED), CertRefusal.NOT_ENROLLED),
        (_certify(populated, disease="M99999"), CertRefusal.DISEASE_NOT_LISTED),
        (_certify(populated, icd10="E11.900"), CertRefusal.DIAGNOSIS_NOT_LISTED),
        (_certify(populated, icd10="高血压"), CertProblem.INVALID),
        (_certify(populated, institution="H00000000000"), CertProblem.NOT_FOUND),
    ]
    for outcome, reason in cases:
        assert isinstance(outcome, CertRefused) and outcome.reason == reason, outcome
    for who in (RESIDENT, LAPSED):
        assert certifications_of(who, store=populated) == []
    _, entries = write_log(50, prefix="", store=populated)
    assert not [e for e in entries if e.action.startswith("opsp.")]


def test_a_second_certification_of_a_disease_in_force_is_refused(populated: Store) -> None:
    assert isinstance(_certify(populated), Certified)
    again = _certify(populated, icd10="I11.0", start=date(2024, 8, 1))
    assert isinstance(again, CertRefused) and again.reason == CertRefusal.ALREADY_CERTIFIED
    other = _certify(populated, disease="M01600", icd10="E11.900")
    assert isinstance(other, Certified)  # another disease
    after = certify(RESIDENT, _new(start=date(2026, 5, 10)), actor="test",
                    today=date(2026, 5, 1), store=populated)
    # a renewal from the day after the last: RESIDENT is enrolled for 2024 only
    assert isinstance(after, CertRefused) and after.reason == CertRefusal.NOT_ENROLLED


def test_the_policy_is_the_insured_regions(populated: Store) -> None:
    # CITY is insured in 511602 (Guang'an district), which ships no policy: no list at all.
    assert opsp_of("511602", 2024).diseases == ()
    refused = _certify(populated, CITY)
    assert isinstance(refused, CertRefused)
    assert refused.reason == CertRefusal.DISEASE_NOT_LISTED and "无" in refused.message
    # a year without its own file takes the newest shipped year of the region
    assert opsp_of("511623", 2031) == opsp_of("511623", 2025)


def test_refuse_records_the_application_and_revoke_ends_a_certification(populated: Store
                                                                        ) -> None:
    refused = refuse(WORKER, _new(), "血压未达诊断标准", actor="test", today=TODAY,
                     store=populated)
    assert isinstance(refused, Certified) and refused.state is CertState.REFUSED
    assert refused.cert.valid_from is None and refused.cert.note == "血压未达诊断标准"
    no_note = refuse(WORKER, _new(), "  ", actor="test", today=TODAY, store=populated)
    assert isinstance(no_note, CertRefused) and no_note.reason == CertProblem.INVALID
    granted = _certify(populated, WORKER, institution=CLINIC)
    assert isinstance(granted, Certified)  # a refused application does not block
    not_certified = revoke(refused.cert.cert_id, actor="test", today=TODAY, store=populated)
    assert isinstance(not_certified, CertRefused)
    assert not_certified.reason == CertRefusal.NOT_CERTIFIED
    done = revoke(granted.cert.cert_id, actor="h", today=date(2024, 6, 1), store=populated)
    assert isinstance(done, Certified) and done.state is CertState.REVOKED
    assert done.cert.revoked_on == date(2024, 6, 1)
    twice = revoke(granted.cert.cert_id, actor="h", today=date(2024, 6, 2), store=populated)
    assert isinstance(twice, CertRefused) and twice.reason == CertRefusal.NOT_CERTIFIED
    missing = revoke("C0", actor="h", store=populated)
    assert isinstance(missing, CertRefused) and missing.reason == CertProblem.NOT_FOUND
    listed = certifications_of(WORKER, today=date(2024, 6, 2), store=populated)
    assert isinstance(listed, list)
    assert [c.state for c in listed] == [CertState.REFUSED, CertState.REVOKED]
    _, entries = write_log(10, prefix="511623", store=populated)
    assert {e.action for e in entries} >= {"opsp.refuse", "opsp.certify", "opsp.revoke"}
    # revoked from 1 June: a new certification from that day is accepted
    again = certify(WORKER, _new(start=date(2024, 6, 1)), actor="t", today=date(2024, 6, 1),
                    store=populated)
    assert isinstance(again, Certified)


def test_expiring_lists_those_ending_within_the_days(populated: Store) -> None:
    tumour = _certify(populated, disease="M00500", icd10="C50.9")  # 12 months: to 9 May 2025
    hyper = _certify(populated)  # 24 months: to 9 May 2026
    assert isinstance(tumour, Certified) and isinstance(hyper, Certified)
    soon = expiring(30, today=date(2025, 4, 9), store=populated)  # 9 April + 30 = 9 May
    assert isinstance(soon, list) and [c.cert.cert_id for c in soon] == [tumour.cert.cert_id]
    short = expiring(29, today=date(2025, 4, 9), store=populated)
    assert short == []
    both = expiring(400, today=date(2025, 4, 9), store=populated)
    assert isinstance(both, list)
    assert [c.cert.cert_id for c in both] == [tumour.cert.cert_id, hyper.cert.cert_id]
    assert expiring(30, today=date(2025, 5, 10), store=populated) == []  # expired already
    revoked = revoke(tumour.cert.cert_id, actor="h", today=date(2025, 1, 1), store=populated)
    assert isinstance(revoked, Certified)
    assert expiring(30, today=date(2025, 4, 9), store=populated) == []
    bad = expiring(-1, store=populated)
    assert isinstance(bad, CertRefused) and bad.reason == CertProblem.INVALID


# ---------- concurrency ----------

N = 6


def _worker(url: str, icd10: str, barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(TIMEOUT_S)
        outcome = _certify(store, icd10=icd10)
        results.put((icd10, outcome.cert.cert_id if isinstance(outcome, Certified)
                     else outcome.reason))
    except BaseException as err:  # report, so the parent fails with the reason
        results.put((icd10, repr(err)))
    finally:
        store.dispose()


def test_concurrent_certifications_of_one_disease_write_exactly_one(make_store: StoreFactory
                                                                    ) -> None:
    store = make_store(populate, "population")
    codes = ["I10", "I10.x00", "I11", "I12.0", "I13", "I15.9"][:N]
    outcomes = at_once(store, _worker, codes)
    written = [v for v in outcomes.values() if str(v).startswith("C")]
    assert len(written) == 1, outcomes
    assert sorted(v for v in outcomes.values() if v not in written) == \
        [CertRefusal.ALREADY_CERTIFIED] * (N - 1), outcomes
    listed = certifications_of(RESIDENT, store=store)
    assert isinstance(listed, list) and [c.cert.cert_id for c in listed] == written


def test_certification_ids_differ_per_history(populated: Store) -> None:
    first = _certify(populated)
    assert isinstance(first, Certified)
    revoke(first.cert.cert_id, actor="h", today=TODAY, store=populated)
    second = _certify(populated)
    assert isinstance(second, Certified) and second.cert.cert_id != first.cert.cert_id
