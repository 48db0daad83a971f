"""The CHS-DRG 1.1 pack loads with the scheme's order and sizes, is cached by a hash of its
files, and a broken pack or scheme file is refused with the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.payment.drg.conftest import RULES_DIR
from yibao.payment.drg import DrgPackError, RulePack, load_rule_pack
from yibao.payment.drg.loader import pack_digest, scheme_file_for
from yibao.payment.drg.model import Predicate
from yibao.payment.drg.pack import _Lists, _read_rule
from yibao.payment.drg.scheme import read_scheme


def test_sizes_and_order(rules: RulePack) -> None:
    pack = rules.pack
    assert [m.code[3] for m in pack.mdcs] == list("APYZMNBCDEFGHIJKLOQRSTUVWX")
    adrgs = pack.adrgs()
    assert len(adrgs) == 376
    assert sum(len(a.drgs) for a in adrgs) == 628
    mdcf = [a.code for a in pack.mdcs[[m.code for m in pack.mdcs].index("MDCF")].adrgs]
    assert mdcf.index("FF2") == mdcf.index("FF1") - 1  # the one exception to 2_ADRG.txt order
    assert len(pack.mcc) == 4678 and len(pack.cc) == 16568 and len(pack.cce) == 28302
    listed = (RULES_DIR / "tables" / "SS_VALID.dat").read_text("utf-8").split("\n")
    assert pack.lists[pack.ss_valid].codes == {line.split()[0] for line in listed if line}


def test_trauma_regions_and_newborn_rules(rules: RulePack) -> None:
    pack = rules.pack
    mdcz = next(m for m in pack.mdcs if m.code == "MDCZ")
    (regions,) = [c for c in mdcz.entry.alternatives[0] if c.lists and len(c.lists) > 1]
    assert regions.test is Predicate.DIAGNOSIS_REGIONS_AT_LEAST and regions.value == 2
    assert len(regions.lists) == 9
    assert "S12.910" not in pack.lists[regions.lists[0]].codes  # commented out in 头颈部创伤
    ps2 = next(a for a in pack.adrgs() if a.code == "PS2")
    values = {(c.test, c.value) for c in ps2.rule.alternatives[0] if not c.lists}
    assert values == {
        (Predicate.AGE_DAYS_AT_MOST, 28),
        (Predicate.WEIGHT_G_AT_LEAST, 1500),
        (Predicate.WEIGHT_G_BELOW, 2000),
    }
    pv1 = next(a for a in pack.adrgs() if a.code == "PV1")
    assert pv1.rule.alternatives == ((),)


def test_second_load_comes_from_the_cache(tmp_path: Path) -> None:
    first = load_rule_pack(RULES_DIR, cache_dir=tmp_path)
    second = load_rule_pack(RULES_DIR, cache_dir=tmp_path)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert first.digest == second.digest == pack_digest(RULES_DIR, scheme_file_for(RULES_DIR))
    assert [p.name for p in tmp_path.iterdir()] == [f"pack-chs-drg-1.1-{first.digest}.pickle"]
    assert second.pack.adrgs() == first.pack.adrgs()
    with pytest.raises(AttributeError):
        second.pack.mdcs = ()  # type: ignore[misc]


def test_unknown_header_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "XX1_test.dat"
    path.write_text("包含以下主要诊断：\nK22.301 x\n包含以下奇怪的东西：\nK22.302 y\n", "utf-8")
    with pytest.raises(DrgPackError) as error:
        _read_rule(path, "XX1", _Lists(), 0)
    assert (error.value.file, error.value.line) == (str(path), 3)


def test_scheme_error_names_key_and_line(tmp_path: Path) -> None:
    text = scheme_file_for(RULES_DIR).read_text("utf-8")
    broken = text.replace('{ test = "gender_is", value = 2 }', '{ test = "sex_is", value = 2 }')
    path = tmp_path / "broken.toml"
    path.write_text(broken, "utf-8")
    with pytest.raises(DrgPackError) as error:
        read_scheme(path)
    assert "sex_is" in error.value.message and "mdc.N.entry" in error.value.message
    assert error.value.line is not None
    assert "sex_is" in broken.splitlines()[error.value.line - 1]
