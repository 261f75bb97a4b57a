"""Published figures about training, judged from a watched training step.

The claims live in ``claims/training.toml`` with the ledger's fields and a ``network``;
``measure`` names one of :data:`MEASURES`, with literal arguments where it takes some
(``days_on(2, 1.58e12, 0.33)``). Verdicts read as the ledger's do.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from importlib import resources

import tomllib

from archstats.ledger import KINDS, Claim, ClaimError, Value, Verdict
from archstats.training import data
from archstats.training.cost import StepCost


def load() -> list[Claim]:
    """Every claim of ``claims/training.toml``."""
    text = resources.files("archstats").joinpath("claims", "training.toml").read_text(encoding="utf-8")
    claims = []
    for entry in tomllib.loads(text).get("claim", []):
        try:
            claim = Claim(**entry)
        except TypeError as error:
            raise ClaimError(f"claims/training.toml: {error}") from error
        if claim.kind not in KINDS:
            raise ClaimError(f"claims/training.toml: claim {claim.id!r} has kind {claim.kind!r}")
        claims.append(claim)
    return claims


def training_flop(cost: StepCost) -> float:
    """FLOP of the network's whole training under its paper's recipe (2 per multiply-add)."""
    recipe = data.RECIPES.get(cost.network)
    if recipe is None:
        raise ClaimError(f"no training recipe is recorded for {cost.network}")
    return float(cost.step_flops) * recipe.samples


def forward_units(cost: StepCost) -> int:
    """Values per image of the input and of every convolution, pooling and linear output."""
    per_value = cost.memory.input // math.prod(cost.input_shape)
    kinds = ("Conv2d", "MaxPool2d", "AvgPool2d", "Linear")
    outputs = sum(layer.output_bytes for layer in cost.trace.layers if layer.type in kinds)
    return (outputs // per_value + math.prod(cost.input_shape)) // cost.batch


def bytes_per_image(cost: StepCost) -> int:
    """How much the predicted training peak grows with each image of the batch."""
    return (cost.peak_at(2 * cost.batch) - cost.peak_at(cost.batch)) // cost.batch


MEASURES: dict[str, Callable[..., Value]] = {
    "pf_days": lambda cost: data.pf_days(training_flop(cost)),
    "pf": lambda cost: training_flop(cost) / 1e15,
    "utilization_at": lambda cost, gpus, peak, days: training_flop(cost) / (gpus * peak * days * 86_400),
    "days_on": lambda cost, gpus, peak, utilization: data.gpu_days(training_flop(cost), gpus * peak, utilization),
    "fits": lambda cost, batch, capacity: cost.peak_at(batch) <= capacity,
    "backward_ratio": lambda cost: cost.ratio,
    "forward_units": forward_units,
    "bytes_per_image": bytes_per_image,
}


def measure(cost: StepCost, expression: str) -> Value:
    """The value of ``expression`` (a name of :data:`MEASURES`, maybe called with literals) on ``cost``."""
    tree = ast.parse(expression, mode="eval").body
    name = tree.func.id if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) else getattr(tree, "id", "")
    if name not in MEASURES:
        raise ClaimError(f"unknown training measure {expression!r}; known: {', '.join(MEASURES)}")
    args = [ast.literal_eval(a) for a in tree.args] if isinstance(tree, ast.Call) else []
    return MEASURES[name](cost, *args)


def _show(value: Value | None) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return value


def _matches(measured: Value, claim: Claim) -> bool:
    if isinstance(claim.expected, bool) or isinstance(measured, bool):
        return measured == claim.expected
    if isinstance(measured, str) or isinstance(claim.expected, str) or claim.expected is None:
        return str(measured) == str(claim.expected)
    return math.isclose(float(measured), float(claim.expected), rel_tol=claim.rel_tol, abs_tol=claim.abs_tol)


def judge(claim: Claim, cost: StepCost) -> Verdict:
    """The verdict on ``claim`` from the watched step ``cost`` of its network."""
    measured = measure(cost, claim.measure)
    said = f"{_show(claim.expected)} stated, {_show(measured)} measured"
    holds = _matches(measured, claim)
    if claim.kind == "erratum":
        if holds:
            return Verdict(claim, measured, "erratum not reproduced", False, f"{said}: the source is right after all")
        return Verdict(claim, measured, "erratum", True, f"{said}. {claim.note}".strip())
    if holds:
        status = "holds under convention" if claim.convention else "holds"
        return Verdict(claim, measured, status, True, f"{said}; {claim.convention}" if claim.convention else said)
    return Verdict(claim, measured, "does not hold", not claim.must_hold, f"{said}. {claim.note}".strip())


def verdicts(cost: StepCost) -> list[Verdict]:
    """Verdicts on every training claim about ``cost``'s network."""
    return [judge(claim, cost) for claim in load() if claim.network == cost.network]
