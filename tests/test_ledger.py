"""The ledger: every article claim about LeNet-5 and AlexNet is there and judged."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from archstats.ledger import Claim, ClaimError, judge, load_claims, measure
from archstats.zoo import Report, claims
from archstats_zoo import REGISTRY
from tests.conftest import SHARED

NETWORKS = {"lenet5": "LeNet-5", "alexnet": "AlexNet"}


def _claims_md_sections() -> dict[str, list[str]]:
    """CLAIMS.md's claim ids, by section heading."""
    text = (SHARED / "article" / "CLAIMS.md").read_text(encoding="utf-8")
    sections = {}
    for part in text.split("\n## ")[1:]:
        heading = part.splitlines()[0]
        ids = [i for i in re.findall(r"^\| ([a-z0-9.\-]+) \|", part, flags=re.MULTILINE) if i != "id"]
        if ids:
            sections[heading] = ids
    return sections


def _all_claim_ids() -> list[str]:
    return [c.id for name in REGISTRY.names() for c in claims(name)]


@pytest.mark.skipif(not (SHARED / "article" / "CLAIMS.md").exists(), reason="../shared/article/CLAIMS.md not present")
def test_every_claims_md_row_is_in_the_ledger() -> None:
    sections = _claims_md_sections()
    assert len(sections) >= 5, "CLAIMS.md sections not found"
    ids = _all_claim_ids()
    # LeCun 1998's totals are the registry's published figures for lenet5.
    covered = {"lenet.totals": "lenet5.paper."}
    missing = [
        f"{heading}: {row}"
        for heading, rows in sections.items()
        for row in rows
        if not any(i == row or i.startswith(covered.get(row, row + ".")) for i in ids)
    ]
    assert missing == []


def test_claim_ids_are_unique() -> None:
    ids = _all_claim_ids()
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


@pytest.mark.parametrize("network", NETWORKS)
def test_every_claim_is_sourced_and_judged(network: str, zoo_report: Callable[[str], Report]) -> None:
    report = zoo_report(network)
    assert len(report.verdicts) == len(claims(network))
    problems = []
    for v in report.verdicts:
        c = v.claim
        if not c.source or not c.unit or not c.quote:
            problems.append(f"{c.id}: source, unit and quote are required")
        if c.kind != "not-checkable" and v.measured is None:
            problems.append(f"{c.id}: nothing measured")
        if not v.ok:
            problems.append(f"{c.id}: {v.status}: {v.explanation}")
    assert problems == []


@pytest.mark.parametrize(
    ("claim_id", "article_says", "network_has"),
    [
        # The article's errata (CLAIMS.md): the ledger keeps the article's figure.
        ("alexnet.fc8.neurons", 4096, 1000),
        ("alexnet.conv2.stride", 4, 1),
        ("alexnet.conv3.input", 84, 256),
        ("alexnet.pool1.lrn-order", "pool1", "norm1"),
    ],
)
def test_errata_stand_beside_the_measured_value(
    claim_id: str, article_says: object, network_has: object, zoo_report: Callable[[str], Report]
) -> None:
    verdict = next(v for v in zoo_report("alexnet").verdicts if v.claim.id == claim_id)
    assert verdict.status == "erratum"
    assert verdict.claim.expected == article_says
    assert verdict.measured == network_has


def test_connections_headline_is_reported_as_not_holding(zoo_report: Callable[[str], Report]) -> None:
    verdict = next(v for v in zoo_report("alexnet").verdicts if v.claim.id == "alexnet.headline.connections")
    assert verdict.status == "does not hold"
    assert verdict.ok  # must_hold = false: reported, not a failure
    assert verdict.claim.expected == 630_000_000


def _claim(**fields: object) -> Claim:
    base: dict[str, object] = {
        "id": "t", "network": "lenet5", "source": "test", "quote": "q", "measure": "trainable('C1')",
        "expected": (5 * 5 + 1) * 6, "unit": "parameters",
    }  # fmt: skip
    base.update(fields)
    return Claim(**base)  # type: ignore[arg-type]


def test_judge_rules(zoo_report: Callable[[str], Report]) -> None:
    analysis = zoo_report("lenet5").analysis
    c1 = (5 * 5 + 1) * 6  # LeNet-5 C1, LeCun 1998
    assert judge(_claim(), analysis).status == "holds"
    assert judge(_claim(convention="c"), analysis).status == "holds under convention"
    wrong = judge(_claim(expected=c1 + 1), analysis)
    assert (wrong.status, wrong.ok) == ("does not hold", False)
    assert judge(_claim(expected=c1 + 1, must_hold=False), analysis).ok
    assert judge(_claim(expected=c1 + 1, rel_tol=0.01), analysis).status == "holds"
    erratum = judge(_claim(kind="erratum", expected=c1 + 1), analysis)
    assert (erratum.status, erratum.ok) == ("erratum", True)
    refuted = judge(_claim(kind="erratum"), analysis)
    assert (refuted.status, refuted.ok) == ("erratum not reproduced", False)


@pytest.mark.parametrize(
    "expression", ["__import__('os')", "params('C1').real", "open('x')", "params('nosuch')", "total.secret", "1 +"]
)
def test_measure_language_refuses_what_it_does_not_know(expression: str, zoo_report: Callable[[str], Report]) -> None:
    with pytest.raises(ClaimError):
        measure(zoo_report("lenet5").analysis, expression)


def test_measure_language(zoo_report: Callable[[str], Report]) -> None:
    analysis = zoo_report("alexnet").analysis
    # The article's totals: conv params 2,334,080, FC params 58,631,144.
    assert measure(analysis, "params('conv*')") == 34_944 + 307_456 + 885_120 + 663_936 + 442_624
    assert measure(analysis, "params('fc*') + params('conv*')") == 60_965_224
    assert measure(analysis, "shape('pool5')") == "256×6×6"
    assert measure(analysis, "groups('conv4')") == 2


def test_claims_without_a_file_are_empty() -> None:
    assert load_claims("no-such-network") == []
