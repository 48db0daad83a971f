"""One simulated year: every table, from a profile, a scale and a numpy Generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from yibao.policy.model import Policy
from yibao.sim.abuse import AbuseRates, inject
from yibao.sim.catalogue import catalogue
from yibao.sim.fees import fee_lines
from yibao.sim.funding import contributions, enrollments
from yibao.sim.institutions import institutions
from yibao.sim.population import persons
from yibao.sim.profile import Profile
from yibao.sim.stays import settlement_lists
from yibao.sim.visits import visits

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SimTables:
    """The tables the simulator writes (docs/sim.md), all polars frames."""

    households: pl.DataFrame
    persons: pl.DataFrame
    institutions: pl.DataFrame
    catalogue: pl.DataFrame
    enrollments: pl.DataFrame
    contributions: pl.DataFrame
    visits: pl.DataFrame
    fee_lines: pl.DataFrame
    settlement_lists: pl.DataFrame
    labels: pl.DataFrame

    def items(self) -> list[tuple[str, pl.DataFrame]]:
        return [(name, getattr(self, name)) for name in self.__dataclass_fields__]


def households(people: pl.DataFrame) -> pl.DataFrame:
    return people.group_by("household_id").agg(
        pl.len().cast(pl.Int32).alias("size"),
        pl.col("residence_admdvs").first().alias("residence_admdvs"),
        pl.col("psn_no").first().alias("head_psn_no")).sort("household_id")


def simulate(profile: Profile, policy: Policy, scale: float, rng: np.random.Generator,
             abuse: AbuseRates | None = None, step: Step | None = None,
             shared: tuple[pl.DataFrame, pl.DataFrame] | None = None) -> SimTables:
    """Generate the year; `step(name)` is called after each stage (for progress bars).
    `shared`: the institutions (with `area` as seen from this region) and the catalogue of a
    deployment, used instead of the region's own (`sim.deployment`)."""
    tick = step or (lambda _name: None)
    people = persons(profile, scale, rng)
    tick("persons")
    insts, items = shared if shared is not None else (institutions(profile),
                                                      catalogue(profile, rng))
    assert policy.contributions is not None, "the profile's policy needs [contributions]"
    contrib = contributions(people, policy.contributions, profile.year)
    tick("contributions")
    visit = visits(people, insts, profile, rng)
    tick("visits")
    lines = fee_lines(visit, items, profile, rng)
    tick("fee_lines")
    stays = settlement_lists(visit, people, profile, rng)
    tick("settlement_lists")
    labels = empty_labels()
    insts = insts.with_columns(pl.lit(False).alias("abusive"))
    if abuse is not None and abuse.rates:
        visit, lines, stays, labels, insts = inject(abuse, visit, lines, stays, people,
                                                    insts.drop("abusive"), items, profile, rng)
    tick("abuse")
    return SimTables(households(people), people, insts, items,
                     enrollments(people, profile.region, profile.year), contrib, visit, lines,
                     stays, labels)


def empty_labels() -> pl.DataFrame:
    return pl.DataFrame(schema={"pattern": pl.Utf8, "case_id": pl.Int64, "table": pl.Utf8,
                                "mdtrt_id": pl.Utf8, "feedetl_sn": pl.Int32, "psn_no": pl.Utf8,
                                "fixmedins_code": pl.Utf8, "detail": pl.Utf8})
