"""A clone works alone: no code, test, benchmark or build script reaches for a `../shared` folder
beside the checkout, the data the software reads ships inside the package (the CHS-DRG 1.1 pack
the loader reads, the cities' payment tables, their licence and sources, and nothing the loader
does not read), and the default rule pack and city tables resolve to it.

`scripts/check-clone.sh` (run by `.ci/run`) proves the rest: a clone of the repository in a
folder with nothing beside it runs `make run` and builds a wheel that holds this data."""

from __future__ import annotations

import re
from pathlib import Path

from yibao.payment import shipped
from yibao.payment.drg.loader import pack_files

ROOT = Path(__file__).resolve().parents[1]
#: `../shared`, or "shared" as a path part ("shared" / "data", "shared/data", Path("shared")).
SHARED_PATH = re.compile(r"\.\./shared|[\"']shared[\"']|[\"']shared/")
CODE = ("src", "tests", "benchmarks", "scripts")
BUILD = ("Makefile", ".ci/run", "pyproject.toml")


def _code_files() -> list[Path]:
    files = [p for top in CODE for p in (ROOT / top).rglob("*")
             if p.suffix in (".py", ".sh") and p.is_file()]
    return files + [ROOT / name for name in BUILD]


def test_no_code_or_build_file_refers_to_a_shared_folder() -> None:
    offending = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _code_files()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if SHARED_PATH.search(line) and path.name != Path(__file__).name]
    assert offending == []


def test_no_packaged_file_points_at_data_outside_the_package() -> None:
    package = ROOT / "src" / "yibao"
    offending = [str(p.relative_to(ROOT)) for p in package.rglob("*")
                 if p.is_file() and p.suffix in (".py", ".toml", ".md", ".html", ".js", ".css")
                 and "shared/data" in p.read_text(encoding="utf-8")]
    assert offending == []


def test_the_default_pack_and_tables_are_the_shipped_ones() -> None:
    assert shipped.rules_dir(None, {}) == shipped.SHIPPED_RULES
    assert shipped.payment_dir(None, {}) == shipped.SHIPPED_CITIES
    assert shipped.SHIPPED_RULES.is_relative_to(ROOT / "src" / "yibao")
    assert len(list(shipped.SHIPPED_CITIES.glob("*.csv"))) == 27


def test_only_what_the_loader_reads_ships_with_its_licence_and_sources() -> None:
    pack = shipped.SHIPPED_RULES
    read = set(pack_files(pack))
    shipped_files = {p for p in pack.rglob("*") if p.is_file()}
    assert shipped_files == read
    assert not any(pack.glob("[4-7]_*"))  # the raw page transcriptions stay out
    sources = (shipped.DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for upstream in ("OpenDRG/DRG_Rules @ ab57a5bd", "OpenDRG/DRG_Python @ 5d523a26",
                     "OpenDRG/DRG_Datas @ 164c3f6c"):
        assert upstream in sources
    assert "Apache License" in (shipped.DATA_DIR / "LICENSE").read_text(encoding="utf-8")
