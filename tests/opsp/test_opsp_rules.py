"""The rules of 门诊慢特病认定 (`yibao.opsp`): the refusal table in precedence order, the
validity arithmetic and derived expiry, and ICD-10 coverage of the shipped disease list."""

from __future__ import annotations

from datetime import date

import pytest

from yibao.opsp.model import Certification, CertState, state_on, valid_until
from yibao.opsp.rules import (
    CertRefusal,
    NewCertification,
    Refusal,
    check_certification,
    check_revocation,
)
from yibao.policy.benefits import Opsp
from yibao.policy.loader import load_policy

START = date(2024, 5, 10)


def _opsp() -> Opsp:
    opsp = load_policy("511623-2024").opsp
    assert opsp is not None
    return opsp


def _cert(state: CertState = CertState.CERTIFIED, disease: str = "M03900",
          valid_from: date | None = date(2023, 1, 1), until: date | None = date(2024, 12, 31),
          revoked_on: date | None = None) -> Certification:
    return Certification("C1", "P", "511623", disease, "I10", "H1", "医师", date(2023, 1, 1),
                         date(2023, 1, 1), state, valid_from, until, "test", revoked_on)


def _new(disease: str = "M03900", icd10: str = "I10.x00") -> NewCertification:
    return NewCertification(disease, icd10, "H1", "李医生", START)


HOLDING = _cert()


@pytest.mark.parametrize(("not_enrolled", "new", "existing", "expected"), [
    # every condition fails: the first in the order wins
    ("2024 年度无有效参保", _new("X99", "E11"), [HOLDING], CertRefusal.NOT_ENROLLED),
    (None, _new("X99", "E11"), [HOLDING], CertRefusal.DISEASE_NOT_LISTED),
    (None, _new("M03900", "E11"), [HOLDING], CertRefusal.DIAGNOSIS_NOT_LISTED),
    (None, _new("M03900", "I10"), [HOLDING], CertRefusal.ALREADY_CERTIFIED),
    # the one in force is of another disease, or no longer holds on the first day
    (None, _new("M01600", "E11.900"), [HOLDING], None),
    (None, _new(), [_cert(until=date(2024, 5, 9))], None),
    (None, _new(), [_cert(CertState.REVOKED, revoked_on=date(2024, 5, 10))], None),
    (None, _new(), [_cert(CertState.REFUSED, valid_from=None, until=None)], None),
    # revoked only from a later day: still in force on the first day
    (None, _new(), [_cert(CertState.REVOKED, revoked_on=date(2024, 5, 11))],
     CertRefusal.ALREADY_CERTIFIED),
])
def test_refusals_come_in_precedence_order(not_enrolled: str | None, new: NewCertification,
                                           existing: list[Certification],
                                           expected: CertRefusal | None) -> None:
    outcome = check_certification(new, not_enrolled, _opsp(), existing)
    if expected is None:
        assert outcome == valid_until(START, 24)
    else:
        assert isinstance(outcome, Refusal) and outcome.reason is expected, outcome
    assert list(CertRefusal)[:4] == [CertRefusal.NOT_ENROLLED, CertRefusal.DISEASE_NOT_LISTED,
                                     CertRefusal.DIAGNOSIS_NOT_LISTED,
                                     CertRefusal.ALREADY_CERTIFIED]


def test_refusal_messages_are_zh_cn_sentences_naming_the_field() -> None:
    unknown = check_certification(_new("X99"), None, _opsp(), [])
    assert isinstance(unknown, Refusal) and "病种 'X99'" in unknown.message
    assert "M03900（高血压（两病））" in unknown.message
    wrong = check_certification(_new("M03900", "E11"), None, _opsp(), [])
    assert isinstance(wrong, Refusal) and "诊断 E11" in wrong.message and "I10-I15" in wrong.message
    assert isinstance(check_certification(_new(), None, Opsp(), []), Refusal)  # no list at all


def test_a_group_filter_accepts_only_its_diseases() -> None:
    liangbing = frozenset({"liangbing"})
    mente = check_certification(_new("M03901", "I11.0"), None, _opsp(), [], groups=liangbing)
    assert isinstance(mente, Refusal) and mente.reason is CertRefusal.DISEASE_NOT_LISTED
    assert "M03901" not in mente.message.split("可认定")[1]
    assert check_certification(_new("M03900"), None, _opsp(), [], groups=liangbing) == \
        date(2026, 5, 9)


@pytest.mark.parametrize(("start", "months", "last"), [
    (date(2024, 5, 10), 24, date(2026, 5, 9)),   # 10 May 2024 + 24 months = 10 May 2026, − 1 day
    (date(2024, 1, 1), 12, date(2024, 12, 31)),  # a calendar year
    (date(2024, 1, 31), 1, date(2024, 2, 28)),   # 31 Jan + 1 month clamps to 29 Feb, − 1 day
    (date(2023, 3, 1), 12, date(2024, 2, 29)),   # 1 Mar 2024 − 1 day: a leap day
    (date(2024, 11, 15), 60, date(2029, 11, 14)),
])
def test_validity_is_cert_months_calendar_months(start: date, months: int, last: date) -> None:
    assert valid_until(start, months) == last


def test_each_disease_takes_its_own_cert_months() -> None:
    tumour = NewCertification("M00500", "C50.9", "H1", "李医生", START)
    assert check_certification(tumour, None, _opsp(), []) == date(2025, 5, 9)  # 12 months
    dialysis = NewCertification("M07800", "N18.5", "H1", "李医生", START)
    assert check_certification(dialysis, None, _opsp(), []) == date(2029, 5, 9)  # 60 months


def test_expiry_is_derived_from_the_dates() -> None:
    cert = _cert(valid_from=date(2024, 5, 10), until=date(2026, 5, 9))
    assert state_on(cert, date(2026, 5, 9)) is CertState.CERTIFIED and \
        cert.holds_on(date(2026, 5, 9))
    assert state_on(cert, date(2026, 5, 10)) is CertState.EXPIRED and \
        not cert.holds_on(date(2026, 5, 10))
    assert not cert.holds_on(date(2024, 5, 9))  # not yet
    revoked = _cert(CertState.REVOKED, valid_from=date(2024, 5, 10), until=date(2026, 5, 9),
                    revoked_on=date(2025, 1, 1))
    assert state_on(revoked, date(2027, 1, 1)) is CertState.REVOKED  # revoked stays revoked
    assert revoked.holds_on(date(2024, 12, 31)) and not revoked.holds_on(date(2025, 1, 1))


def test_only_a_certified_one_may_be_revoked() -> None:
    assert check_revocation(_cert()) is None
    for state in (CertState.REVOKED, CertState.REFUSED):
        refusal = check_revocation(_cert(state))
        assert refusal is not None and refusal.reason is CertRefusal.NOT_CERTIFIED


@pytest.mark.parametrize(("disease", "inside", "outside"), [
    ("M03900", ["I10", "I10.x00", "I11.0", "I15.9"], ["I16", "I09.9", "E11"]),
    ("M01600", ["E10", "E11.900", "E14.9"], ["E15", "E09", "I10"]),
    ("M00500", ["C00.0", "C50.9", "C97", "D00.1", "D09.9"], ["D10.0", "B99"]),
    ("M07800", ["N18.5", "N19", "Z49.1", "Z99.2"], ["N17.9", "Z99.1", "Z50"]),
    ("M08300", ["Z94.0", "T86.1"], ["Z95.0", "T85.9"]),
])
def test_icd10_coverage_of_the_shipped_list(disease: str, inside: list[str],
                                            outside: list[str]) -> None:
    listed = _opsp().disease(disease)
    assert listed is not None
    assert [c for c in inside if not listed.covers(c)] == []
    assert [c for c in outside if listed.covers(c)] == []
