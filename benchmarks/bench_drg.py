"""DRG grouping speed: the column grouper on one million generated stays, against `group_case`.

The stays are generated in memory from codes of the rule pack with a fixed seed (a mix of medical,
surgical, newborn, multiple-trauma and a few invalid cases). Prints grouped cases per second of
`group_batch` (trace off, every step from the string codes to the DRG, split included), the rate
of the scalar `group_case` on a sample, and their ratio.

    uv run --frozen --no-sync python benchmarks/bench_drg.py [--stays N] [--sample N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from yibao.payment.drg.batch import group_batch  # noqa: E402
from yibao.payment.drg.grouper import group_case  # noqa: E402
from yibao.payment.drg.layout import cases_from_frame  # noqa: E402
from yibao.payment.drg.loader import RulePack, default_cache_dir, load_rule_pack  # noqa: E402
from yibao.payment.drg.model import Pack, Predicate  # noqa: E402
from yibao.payment.shipped import rules_dir  # noqa: E402

SEED = 20210501
STAYS = 1_000_000
SAMPLE = 20_000
RULES = rules_dir(None, os.environ)


def _pools(pack: Pack) -> dict[str, np.ndarray]:
    """Code pools drawn from the pack's lists and tables."""

    def codes(kind: str, tests: set[Predicate]) -> np.ndarray:
        found: set[str] = set()
        for adrg in pack.adrgs():
            for alternative in adrg.rule.alternatives:
                for condition in alternative:
                    if condition.test in tests:
                        found.update(pack.lists[condition.lists[0]].codes)
        return np.array(sorted(found), dtype=object)

    mdc = {m.code: pack.lists[m.entry.alternatives[0][0].lists[0]].codes for m in pack.mdcs[1:]}
    return {
        "principal": np.array(sorted(set().union(*mdc.values())), dtype=object),
        "newborn": np.array(sorted(mdc["MDCP"]), dtype=object),
        "trauma": np.array(sorted(mdc["MDCZ"]), dtype=object),
        "secondary": np.array(sorted(pack.known_diagnoses), dtype=object),
        "complication": np.array(sorted({*pack.mcc, *pack.cc}), dtype=object),
        "operation": codes(
            "procedure", {Predicate.PRINCIPAL_PROCEDURE_IN, Predicate.ANY_PROCEDURE_IN}
        ),
        "procedure": np.array(sorted(pack.known_procedures), dtype=object),
    }


def _lists(rng: np.random.Generator, n: int, most: int, draw) -> pa.Array:  # type: ignore[no-untyped-def]
    lengths = rng.integers(0, most + 1, n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = draw(int(offsets[-1]))
    return pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values, pa.large_string()))


def generate(pack: Pack, n: int, seed: int = SEED) -> pl.DataFrame:
    """`n` stays in the settlement-list layout."""
    rng = np.random.default_rng(seed)
    pools = _pools(pack)
    kind = rng.random(n)
    newborn, trauma = kind < 0.03, (kind >= 0.03) & (kind < 0.06)
    principal = pools["principal"][rng.integers(0, pools["principal"].size, n)]
    principal[newborn] = pools["newborn"][rng.integers(0, pools["newborn"].size, newborn.sum())]
    principal[trauma] = pools["trauma"][rng.integers(0, pools["trauma"].size, trauma.sum())]

    def secondary(size: int) -> np.ndarray:
        pick = rng.random(size)
        out = pools["secondary"][rng.integers(0, pools["secondary"].size, size)]
        comp = pick < 0.4
        out[comp] = pools["complication"][rng.integers(0, pools["complication"].size, comp.sum())]
        hurt = pick > 0.95
        out[hurt] = pools["trauma"][rng.integers(0, pools["trauma"].size, hurt.sum())]
        return out

    def procedures(size: int) -> np.ndarray:
        out = pools["procedure"][rng.integers(0, pools["procedure"].size, size)]
        op = rng.random(size) < 0.6
        out[op] = pools["operation"][rng.integers(0, pools["operation"].size, op.sum())]
        return out

    age = rng.integers(1, 96, n).astype(np.int16)
    age[newborn] = 0
    age_days = (age.astype(np.int32) * 365 + rng.integers(0, 365, n)).astype(np.int32)
    age_days[newborn] = rng.integers(0, 120, newborn.sum())
    weight = np.where(newborn, rng.integers(700, 4600, n), 0).astype(np.int32)
    gender = rng.integers(1, 3, n).astype(np.int8)
    gender[rng.random(n) < 0.002] = 0  # a few invalid stays
    principal[rng.random(n) < 0.001] = "K22.3O1"  # letter O for zero: malformed
    return pl.DataFrame(
        {
            "setl_id": np.char.add("S", np.arange(n).astype(str)),
            "gender": gender,
            "age": age,
            "age_days": age_days,
            "weight_g": pl.Series(weight).replace(0, None),
            "los_days": rng.integers(1, 60, n).astype(np.int32),
            "dscg_way": np.full(n, "1"),
            "principal_diagnosis": principal.astype(str),
            "secondary_diagnoses": pl.from_arrow(_lists(rng, n, 8, secondary)),
            "procedures": pl.from_arrow(_lists(rng, n, 4, procedures)),
            "icu_hours": pl.Series([None] * n, dtype=pl.Int32),
            "vent_hours": pl.Series([None] * n, dtype=pl.Int32),
        }
    )


def measure(rules: RulePack, stays: int, sample: int) -> dict[str, float]:
    frame = generate(rules.pack, stays)
    started = time.perf_counter()
    out = group_batch(rules, frame, trace=False)
    batch_s = time.perf_counter() - started
    cases = cases_from_frame(frame.head(sample))
    started = time.perf_counter()
    results = [group_case(rules.pack, case) for case in cases]
    scalar_s = time.perf_counter() - started
    same = sum(r.drg == d for r, d in zip(results, out["drg"].head(sample), strict=True))
    counts = dict(out["status"].value_counts().iter_rows())
    return {
        "stays": stays,
        "batch_per_s": stays / batch_s,
        "batch_s": batch_s,
        "scalar_per_s": sample / scalar_s,
        "sample": sample,
        "sample_equal": same,
        **{f"status_{k}": v for k, v in counts.items()},
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stays", type=int, default=STAYS)
    parser.add_argument("--sample", type=int, default=SAMPLE)
    args = parser.parse_args(argv)
    rules = load_rule_pack(RULES, cache_dir=default_cache_dir(os.environ))
    figures = measure(rules, args.stays, args.sample)
    print(f"DRG grouping, {rules.pack.scheme_id}, seed {SEED}")
    print(
        f"  group_batch (trace off): {figures['stays']:,} stays in {figures['batch_s']:.2f} s"
        f" = {figures['batch_per_s']:,.0f} cases/s"
    )
    print(f"  group_case (trace on):   {figures['scalar_per_s']:,.0f} cases/s on {args.sample:,}")
    print(f"  ratio batch/scalar:      {figures['batch_per_s'] / figures['scalar_per_s']:.1f}x")
    print(f"  sample equal to scalar:  {figures['sample_equal']:,}/{args.sample:,}")
    print(
        "  statuses: "
        + ", ".join(f"{k[7:]} {v:,}" for k, v in figures.items() if k.startswith("status_"))
    )
    return figures


if __name__ == "__main__":
    main()
