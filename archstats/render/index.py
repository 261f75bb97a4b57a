"""The zoo's index page: every network side by side, its size and cost against each other and by year."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from archstats.render import _format as fmt
from archstats.render.page import authors, environment, title

if TYPE_CHECKING:
    from archstats.render.charts.zoo import ZooPoint
    from archstats.zoo import Report

TEMPLATE = "index.html.j2"

# The distributions whose versions decide the bytes of the pages (reports/VERSIONS.json).
VERSIONED = ("archstats", "torch", "fvcore", "matplotlib", "jinja2", "pandas")

# The ledger's columns: title, CSS class, the verdict statuses counted there. An erratum
# the network does not reproduce is a claim of the ledger that does not hold.
LEDGER_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("holds", "holds", ("holds",)),
    ("under convention", "holds-convention", ("holds under convention",)),
    ("does not hold", "fails", ("does not hold", "erratum not reproduced")),
    ("errata", "erratum", ("erratum",)),
    ("not checkable", "not-checkable", ("not checkable by counting",)),
)


def versions() -> dict[str, str]:
    """The installed version of each distribution in :data:`VERSIONED`."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for name in VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def versions_json() -> str:
    """:func:`versions` as the text of ``VERSIONS.json``."""
    return json.dumps(versions(), indent=2) + "\n"


def group(report: Report) -> str:
    """What the figures colour a network by: its paper, short (``He et al. 2015``)."""
    short = authors(report.spec.paper) or "no paper"
    return f"{short} {report.spec.year}" if report.spec.year else short


def points(reports: Sequence[Report]) -> list[ZooPoint]:
    """Each network's totals as the comparison figures plot them (those without a year are left out)."""
    from archstats.render.charts.zoo import ZooPoint

    return [
        ZooPoint(
            name=r.analysis.network,
            group=group(r),
            year=r.spec.year,
            params=r.analysis.totals.params,
            macs=r.analysis.totals.fvcore_macs,
            depth=r.analysis.totals.depth,
        )
        for r in reports
        if r.spec.year is not None
    ]


def natural(name: str) -> tuple[str | int, ...]:
    """A sort key that puts resnet-18 before resnet-101: digit runs compare as numbers."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", name)))


def _order(report: Report) -> tuple[int, tuple[str | int, ...]]:
    return (report.spec.year if report.spec.year is not None else 10_000, natural(report.analysis.network))


def _row(report: Report) -> dict[str, Any]:
    spec, analysis = report.spec, report.analysis
    t = analysis.totals
    statuses = [v.status for v in report.verdicts]
    return {
        "name": analysis.network,
        "href": quote(analysis.network) + ".html",
        "summary": spec.summary,
        "year": spec.year or "",
        "title": title(spec.paper),
        "authors": authors(spec.paper),
        "citation": spec.citation,
        "input": fmt.sample_shape(analysis.input_shape),
        "params": fmt.num(t.params),
        "inference": "–" if t.inference_params is None else fmt.num(t.inference_params),
        "macs": fmt.num(t.fvcore_macs),
        "depth": fmt.num(t.depth),
        "ledger": [(sum(s in counted for s in statuses), css) for _, css, counted in LEDGER_COLUMNS],
        "judged": bool(report.verdicts),
    }


def _story(reports: Sequence[Report]) -> str:
    """Where the zoo starts and how far it goes, in the traced numbers."""
    dated = [r for r in reports if r.spec.year is not None]
    if len(dated) < 2:
        return ""
    first = min(dated, key=_order)
    deepest = max(dated, key=lambda r: (r.analysis.totals.depth, -_order(r)[0]))
    largest = max(dated, key=lambda r: r.analysis.totals.params)
    costliest = max(dated, key=lambda r: r.analysis.totals.fvcore_macs)
    f, d = first.analysis, deepest.analysis
    return (
        f"{f.network} ({first.spec.year}) has {fmt.num(f.totals.depth)} weighted layers, "
        f"{fmt.num(f.totals.params)} parameters and {fmt.num(f.totals.fvcore_macs)} MACs per sample; "
        f"the deepest network here, {d.network} ({deepest.spec.year}), has {fmt.num(d.totals.depth)} layers. "
        f"The most parameters: {largest.analysis.network}, {fmt.num(largest.analysis.totals.params)}; "
        f"the most MACs: {costliest.analysis.network}, {fmt.num(costliest.analysis.totals.fvcore_macs)} per sample."
    )


def context(reports: Sequence[Report], training_points: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The values the index template shows, every number already formatted.

    ``training_points`` are the networks' compute to train under their papers' recipes
    (``archstats.training.years``); none leaves that figure out.
    """
    from archstats import __version__
    from archstats.columns import DEFINITIONS
    from archstats.render.charts.training_years import svg as training_years_svg
    from archstats.render.charts.zoo import zoo_params_macs_svg, zoo_years_svg

    ordered = sorted(reports, key=_order)
    years = [r.spec.year for r in ordered if r.spec.year is not None]
    verdicts = [v for r in ordered for v in r.verdicts]
    zoo = points(ordered)
    return {
        "count": len(ordered),
        "years": f"{min(years)}–{max(years)}" if years else "",
        "devices": ", ".join(sorted({r.analysis.device for r in ordered})),
        "story": _story(ordered),
        "rows": [_row(r) for r in ordered],
        "ledger_columns": [(title, css) for title, css, _ in LEDGER_COLUMNS],
        "ledger_totals": [(sum(v.status in counted for v in verdicts), css) for _, css, counted in LEDGER_COLUMNS],
        "claims": len(verdicts),
        "tally": fmt.tally(verdicts),
        "definitions": [
            ("Parameters", DEFINITIONS["params"]),
            ("Parameters at inference", DEFINITIONS["inference_params"]),
            ("Buffers", DEFINITIONS["buffers"]),
            ("MACs", DEFINITIONS["macs"]),
            ("Depth", DEFINITIONS["depth"]),
        ],
        "scatter": zoo_params_macs_svg(zoo),
        "timeline": zoo_years_svg(zoo),
        "training_years": training_years_svg(training_points) if training_points else "",
        "version": __version__,
    }


def render(reports: Sequence[Report], training_points: Sequence[Mapping[str, Any]] = ()) -> str:
    """The zoo's index: one self-contained HTML page (inline CSS and SVG, no scripts, no URLs).

    Args:
        reports: the traced zoo networks; each row links to ``NAME.html`` beside the page.
        training_points: compute to train by year (see :func:`context`).

    Returns:
        The page; the same reports give the same bytes, in whatever order they come.
    """
    return environment().get_template(TEMPLATE).render(**context(reports, training_points))
