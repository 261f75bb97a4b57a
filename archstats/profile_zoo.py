"""The zoo timed on one device: time and accuracy against multiply-adds, and Canziani et al.'s claims judged on them.

Canziani, Paszke & Culurciello (2016), "An Analysis of Deep Neural Network Models for
Practical Applications", plot accuracy against operations with the parameter count as
bubble size (their Fig. 2) and state, among their key findings, that "the number of
operations is a reliable estimate of the inference time". Here that claim is judged on this
machine's measured times of the whole zoo, by Spearman's rank correlation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import tomllib

CANZIANI = "Canziani, Paszke & Culurciello 2016, An Analysis of Deep Neural Network Models for Practical Applications"
# The rank correlation at which the number of operations counts as a reliable estimate of the time.
RELIABLE_RHO = 0.9


@dataclass(frozen=True)
class Accuracy:
    """A network's published ImageNet accuracy in percent, with its source and protocol."""

    top1: float
    top5: float
    source: str
    protocol: str
    note: str = ""


def load_accuracy() -> dict[str, Accuracy]:
    """The cited top-1/top-5 figures of ``archstats/data/accuracy.toml``, by zoo network."""
    text = resources.files("archstats").joinpath("data/accuracy.toml").read_text(encoding="utf-8")
    return {name: Accuracy(**entry) for name, entry in tomllib.loads(text).items()}


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties given the mean of the ranks they share."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    found = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            found[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return found


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation coefficient (nan when either has no spread or fewer than 2 values)."""
    n = len(x)
    if n < 2:
        return math.nan
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation: Pearson's on the ranks."""
    return pearson(ranks(x), ranks(y))


def row(profile: Mapping[str, Any], params: int, accuracy: Accuracy | None) -> dict[str, Any]:
    """One network's line of the zoo's JSON: its counts per sample, its measured time and its cited accuracy."""
    batch = profile["batch"]
    return {
        "network": profile["network"],
        "input_shape": profile["input_shape"],
        "params": params,
        "multiply_adds": profile["whole"]["multiply_adds"] // batch,
        "forward_s": profile["whole"]["forward_s"]["median"],
        "forward_min_s": profile["whole"]["forward_s"]["min"],
        "forward_max_s": profile["whole"]["forward_s"]["max"],
        "top1": accuracy.top1 if accuracy else None,
        "top5": accuracy.top5 if accuracy else None,
        "accuracy_source": accuracy.source if accuracy else None,
        "accuracy_protocol": accuracy.protocol if accuracy else None,
        "accuracy_note": accuracy.note if accuracy else None,
    }


def claims(rows: Sequence[Mapping[str, Any]], machine: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Canziani et al.'s claims judged on the measured rows, each with the data behind its verdict."""
    timed = [r for r in rows if r["forward_s"] > 0 and r["multiply_adds"] > 0]
    rho = spearman([r["multiply_adds"] for r in timed], [r["forward_s"] for r in timed])
    logs = pearson([math.log(r["multiply_adds"]) for r in timed], [math.log(r["forward_s"]) for r in timed])
    device = f"{machine['name']} ({machine['kind']}, {machine['threads']} threads)"
    holds = not math.isnan(rho) and rho >= RELIABLE_RHO
    reliable = {
        "id": "canziani2016.operations-estimate-time",
        "source": f"{CANZIANI}, abstract, key finding (4)",
        "quote": "the number of operations is a reliable estimate of the inference time",
        "measure": "Spearman's rank correlation of the whole forward time with the multiply-adds, across the zoo",
        "expected": f"rho >= {RELIABLE_RHO}",
        "measured": rho,
        "verdict": "holds" if holds else "does not hold",
        "device": device,
        "networks": len(timed),
        "note": f"on {device}, batch 1, {len(timed)} networks: Spearman rho {rho:.3f}; "
        f"Pearson r of log time on log multiply-adds {logs:.3f}",
        "data": [
            {"network": r["network"], "multiply_adds": r["multiply_adds"], "forward_s": r["forward_s"]} for r in timed
        ],
    }
    hyperbolic = {
        "id": "canziani2016.accuracy-time-hyperbolic",
        "source": f"{CANZIANI}, abstract, key finding (2)",
        "quote": "accuracy and inference time are in a hyperbolic relationship",
        "measure": "the shape of the cited top-1 accuracy against the measured time",
        "expected": "a hyperbola",
        "measured": None,
        "verdict": "not judged",
        "device": device,
        "networks": sum(1 for r in timed if r["top1"] is not None),
        "note": "the cited accuracies come from several sources and protocols (see accuracy_source); "
        "a fit of a curve's shape to them would not be a fair test, so the data are given, not judged",
        "data": [
            {"network": r["network"], "top1": r["top1"], "forward_s": r["forward_s"]}
            for r in timed
            if r["top1"] is not None
        ],
    }
    return [reliable, hyperbolic]


def zoo_data(
    profiles: Sequence[Mapping[str, Any]], params: Mapping[str, int], accuracy: Mapping[str, Accuracy]
) -> dict[str, Any]:
    """The zoo's JSON: the machine, one row per network and the claims judged on them."""
    machine = profiles[0]["machine"] if profiles else {}
    rows = [row(p, params[p["network"]], accuracy.get(p["network"])) for p in profiles]
    return {"machine": machine, "networks": rows, "claims": claims(rows, machine) if rows else []}


def names() -> list[str]:
    """The zoo networks ``profile --all`` times, in the registry's order."""
    from archstats_zoo import REGISTRY

    return list(REGISTRY.names())


def profile_all(
    names: Sequence[str],
    device: str,
    repeats: int,
    warmup: int,
    remeasure: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[dict[str, Any]]:
    """Each network profiled at its default input, batch 1, in eval mode (the roofline measured at most once)."""
    from archstats import timing

    found = []
    for i, name in enumerate(names):
        if progress is not None:
            progress(i, len(names), name)
        found.append(
            timing.as_dict(timing.profile_network(name, device, 1, repeats, warmup, False, remeasure and i == 0))
        )
    return found
