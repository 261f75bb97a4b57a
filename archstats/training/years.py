"""Training compute by year under the papers' recipes: one point per zoo network whose recipe is recorded.

Each point is the traced step's FLOPs per sample (forward and backward multiply-adds,
2 FLOP each) times the samples of the paper's recipe (:data:`archstats.training.data.RECIPES`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archstats.training import data

if TYPE_CHECKING:
    from archstats.zoo import Report


@dataclass(frozen=True)
class YearPoint:
    """One network's training compute under its paper's recipe."""

    network: str
    year: int
    step_flops: int  # per sample: 2 x (forward + backward multiply-adds)
    samples: int
    source: str

    @property
    def training_flop(self) -> float:
        """FLOP of the whole training."""
        return float(self.step_flops) * self.samples

    @property
    def pf_days(self) -> float:
        """The same in petaflop/s-days."""
        return data.pf_days(self.training_flop)

    def as_dict(self) -> dict[str, Any]:
        """Finished data for a chart: no trace, no torch."""
        return {
            "network": self.network, "year": self.year, "step_flops_per_sample": self.step_flops,
            "samples": self.samples, "training_flop": self.training_flop, "pf_days": self.pf_days,
            "source": self.source,
        }  # fmt: skip


def point(network: str, year: int, step_flops: int) -> YearPoint:
    """The point of ``network`` from its traced step FLOPs per sample and its paper's recipe."""
    recipe = data.RECIPES[network]
    return YearPoint(network, year, step_flops, recipe.samples, recipe.source)


def from_records(records: Iterable[Mapping[str, Any]], years: Mapping[str, int | None]) -> list[dict[str, Any]]:
    """Points from finished ``train`` records (the handouts' own), without tracing again.

    Args:
        records: ``train --json`` records (those skipped or without a recipe are left out).
        years: each network's year.

    Returns:
        The points as dicts, oldest first.
    """
    found = [
        point(r["network"], year, r["totals"]["step_flops_per_sample"])
        for r in records
        if r["network"] in data.RECIPES and "totals" in r and (year := years.get(r["network"])) is not None
    ]
    return [p.as_dict() for p in sorted(found, key=lambda p: (p.year, p.training_flop, p.network))]


def from_reports(reports: Iterable[Report], records: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The zoo index's points: each report's year and its handout's training record.

    Args:
        reports: traced zoo networks.
        records: each network's "What training costs" record (``archstats.training.handout.gather``).

    Returns:
        The points as dicts, oldest first.
    """
    chosen = [r for r in reports if r.analysis.network in records]
    return from_records(
        (records[r.analysis.network] for r in chosen), {r.analysis.network: r.spec.year for r in chosen}
    )
