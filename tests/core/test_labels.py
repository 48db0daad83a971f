"""Every code the domain can hold has its zh-CN name in `yibao.core.labels` (a face never shows
a raw 险种, 人员类别, 参保状态, 救助类别, 医疗类别, 基金, 案件状态, DRG 状态 or 持有人 code), and
times are shown in Beijing time as the national interface writes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files

import pytest

from yibao.core import labels
from yibao.core.beijing import beijing_text, in_beijing
from yibao.enroll.model import PSN_TYPES, SCHEMES, EnrollStatus
from yibao.fund.accounts import FISCAL_LEVELS, PAYERS
from yibao.payment.drg.model import Status
from yibao.policy.model import ASSISTANCE_ORDER
from yibao.settle import model as settle_model
from yibao.sim.calibrate import CALIBRATED
from yibao.supervise.cases import State

RULES = (files("yibao.supervise") / "rules" / "base-2020.toml").read_text("utf-8")
FUNDS = {v for k, v in vars(settle_model).items() if k.startswith("FUND_") and isinstance(v, str)}


@pytest.mark.parametrize(("kind", "codes"), [
    ("insutype", set(SCHEMES)),
    ("psn_type", {t for types in PSN_TYPES.values() for t in types}),
    ("enroll_status", {s.value for s in EnrollStatus}),
    ("assistance_group", set(ASSISTANCE_ORDER)),
    ("med_type", set(settle_model.MED_TYPES)),
    ("fund_pay_type", FUNDS),
    ("case_state", {s.value for s in State}),
    ("drg_status", {s.value for s in Status}),
    ("holder", set(FISCAL_LEVELS) | set(PAYERS)),
    ("sex", {"M", "F"}),
    ("calibration", {key for key, _ in CALIBRATED}),
    ("severity", set(re.findall(r'severity\s*=\s*"([^"]+)"', RULES))),
])
def test_every_code_has_a_name(kind: str, codes: set[str]) -> None:
    assert set(labels.KINDS[kind]) == codes
    assert all(labels.name(kind, c) != c for c in codes)


def test_names_and_unknown_codes() -> None:
    assert labels.names("assistance_group", "dibao,tekun") == "低保对象、特困人员"
    assert labels.names("assistance_group", []) == "—"
    assert labels.name("med_type", "99") == "99"  # never hidden
    assert labels.name("sex", None) == ""
    assert labels.with_code("邻水县人民医院", "H51162300001") == "邻水县人民医院（H51162300001）"
    assert labels.with_code(None, "H51162300099") == "H51162300099"


@pytest.mark.parametrize(("at", "shown"), [
    (datetime(2024, 3, 9, 4, 0, 1, tzinfo=UTC), "2024-03-09 12:00:01"),
    (datetime(2024, 12, 31, 16, 30), "2025-01-01 00:30:00"),  # naive: taken as UTC
    (None, ""),
])
def test_beijing_time(at: datetime | None, shown: str) -> None:
    assert beijing_text(at) == shown
    if at is not None:
        assert in_beijing(at).utcoffset().total_seconds() == 8 * 3600
