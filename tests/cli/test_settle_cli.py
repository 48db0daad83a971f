"""`yibao settle`, `yibao policy` and `yibao demo` behave as a user expects: JSON out, exit 2 with
one error object on bad input and nothing written, batch results in order with rejects beside."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from yibao.cli import app
from yibao.services.examples import EXAMPLES_DIR

runner = CliRunner()
EXAMPLE = EXAMPLES_DIR / "01-resident-inpatient-dibao.json"


def example() -> dict[str, object]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_settle_one_file_prints_result() -> None:
    result = runner.invoke(app, ["settle", "--input", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["hifp_pay"], out["maf_pay"], out["psn_cash_pay"]) == ("439.67", "266.93", "594.40")


def test_settle_from_stdin_in_a_real_process() -> None:
    proc = subprocess.run([sys.executable, "-m", "yibao", "settle", "--input", "-"],
                          input=EXAMPLE.read_text(encoding="utf-8"), capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["medfee_sumamt"] == "1301.00"


def test_bad_request_exits_2_with_one_error_object(tmp_path: Path) -> None:
    doc = example()
    doc["fees"][1]["pric"] = "12.3456789"  # type: ignore[index]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(path)])
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert list(error) == ["error"] and error["error"]["field"] == "fees[1].pric"
    assert error["error"]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_float_text_is_read_exactly_and_nan_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('"10.50"', "10.50")
    path = tmp_path / "numbers.json"
    path.write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["settle", "--input", str(path)]).exit_code == 0
    path.write_text(text.replace("10.50", "NaN"), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(path)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "fees[0].pric"


def test_policy_file_option(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "src/yibao/policy/policies/511623-2024.toml"
    custom = tmp_path / "511623-2024.toml"
    custom.write_text(shipped.read_text(encoding="utf-8").replace(
        '"2" = "0.77"', '"2" = "0.80"'), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(EXAMPLE), "--policy-file", str(custom)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hifp_pay"] == "456.80"  # 571.00 × 0.80


def test_batch_writes_results_in_order_and_rejects(tmp_path: Path) -> None:
    lines = []
    for i in range(3):
        doc = example()
        doc["visit"]["mdtrt_id"] = f"B{i}"  # type: ignore[index]
        lines.append(json.dumps(doc))
    bad = example()
    bad["person"]["insutype"] = "999"  # type: ignore[index]
    lines.insert(1, json.dumps(bad))
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["settle", "--batch", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["mdtrt_id"] for d in docs] == ["B0", "B1", "B2"]
    assert [d["act_pay_dedc"] for d in docs] == ["250.00", "125.00", "125.00"]  # 2nd admission
    rejects = (tmp_path / "out.jsonl.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["line"] for r in rejects] == [2]
    assert json.loads(rejects[0])["field"] == "person.insutype"


def test_policy_check_and_show(tmp_path: Path) -> None:
    bad = tmp_path / "511623-2024.toml"
    bad.write_text('[policy]\nid = "511623-2024"\nregion = "511623"\nyear = 2024\n'
                   'class_b_selfpay = "1.5"\n', encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 2
    assert "class_b_selfpay" in result.output and ":5" in result.output
    assert runner.invoke(app, ["policy", "show", "511623-2024"]).exit_code == 0


def test_demo_explains_examples() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "医疗救助基金" in result.output and "266.93" in result.output


def test_catalog_completes_lines_that_carry_only_code_count_and_price(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "hilist_code,hilist_name,chrg_itm_lv,selfpay_prop,pric_uplmt_amt,lmt_sex,lmt_age_min,"
        "lmt_age_max,lmt_hosp_lv_min,lmt_hosp_lv_max\n"
        "XA01,阿莫西林,01,,,,,,,\n"
        "C0123,支架,02,0.20,1000.00,,,,,\n"
        "001,自费项目,03,,,,,,,\n", encoding="utf-8")
    doc = example()
    doc["fees"] = [  # only code, count and price: the rest comes from the catalogue
        {"feedetl_sn": "1", "hilist_code": "XA01", "cnt": "2", "pric": "10.50"},
        {"feedetl_sn": "2", "hilist_code": "C0123", "cnt": "1", "pric": "1200.00"},
        {"feedetl_sn": "3", "hilist_code": "001", "cnt": "1", "pric": "80.00"},
    ]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(path), "--catalog", str(catalog)])
    assert result.exit_code == 0, result.output
    full = runner.invoke(app, ["settle", "--input", str(EXAMPLE)])
    assert json.loads(result.stdout) == json.loads(full.stdout)  # same as the complete request


def test_a_line_missing_from_the_catalogue_is_reported(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "hilist_code,hilist_name,chrg_itm_lv,selfpay_prop,pric_uplmt_amt,lmt_sex,lmt_age_min,"
        "lmt_age_max,lmt_hosp_lv_min,lmt_hosp_lv_max\nXA01,阿莫西林,01,,,,,,,\n",
        encoding="utf-8")
    doc = example()
    doc["fees"] = [{"feedetl_sn": "1", "hilist_code": "NOPE", "cnt": "1", "pric": "1.00"}]
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(path), "--catalog", str(catalog)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "fees[0].chrg_itm_lv"


def test_a_malformed_catalogue_is_refused_with_its_problems(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("hilist_code,hilist_name,chrg_itm_lv\nXA01,阿莫西林,01\n",
                       encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(EXAMPLE), "--catalog", str(catalog)])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "--catalog" and "selfpay_prop" in error["message"]
    missing = runner.invoke(app, ["settle", "--input", str(EXAMPLE), "--catalog",
                                  str(tmp_path / "absent.csv")])
    assert missing.exit_code == 2


def test_a_missing_request_file_is_a_clear_error(tmp_path: Path) -> None:
    for extra in ([], ["--commit"]):
        result = runner.invoke(app, ["settle", "--input", str(tmp_path / "absent.json"), *extra])
        assert result.exit_code == 2, result.output
        assert "absent.json" in json.loads(result.stdout)["error"]["message"]


def test_a_bad_benefit_field_exits_2_and_the_batch_rejects_it(tmp_path: Path) -> None:
    """SETTLEMENT.md §1: a bad value in a new field is refused naming its path; `--batch` puts
    such a request in its rejects file with the same field and settles the rest."""
    bad = example()
    bad["fees"][0]["prd_days"] = "90"  # type: ignore[index]  # > 84 (12 weeks)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(path)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "fees[0].prd_days"
    maternity = example()
    maternity["visit"]["med_type"] = "52"  # type: ignore[index]  # without matn_type
    good = example()
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in (bad, maternity, good)) + "\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["settle", "--batch", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejects = [json.loads(r) for r in
               (tmp_path / "out.jsonl.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [
        (1, "fees[0].prd_days"), (2, "visit.matn_type")]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_demo_explains_the_four_benefit_examples() -> None:
    """A certified 门慢 resident, a delivery with its allowance, a bill with 惠民保 and a parent
    paying from a child's account, each explained tier by tier."""
    result = runner.invoke(app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "非认定病种（或未认定）费用 30.00 全部自付" in out and "病种单独限额" in out
    assert "生育津贴 128 天，25600.00 元" in out and "职工生育保险（合并实施）" in out
    assert "惠民保在各项基金之后支付 9239.20" in out and "惠民保（商业健康保险）" in out
    assert "绑定亲属的个人账户支付 882.50，余额 617.50" in out
